"""Other tools' formats: Open-PSA MEF fault trees in and out (:mod:`.openpsa`), and the Markov
bridge's chain as a PRISM CTMC (:mod:`.prism`), for cross-checks with SCRAM, PRISM and Storm.

This layer sits above the engines (it writes what they compute: a network as its minimal path
sets, a chain's states); ``hadr export`` and ``hadr import`` are its commands. A spec whose
elements depend on one another (repair teams, standby spares) is refused: both formats would
state it with independent elements.
"""
