"""Restore contention: n databases restored over s parallel slots.

After a region loss every (tenant) database of the region is restored into the failover
region at once. Restore jobs queue in database order for ``slots`` parallel restore slots; a
job holds its slot for ``size / rate + index_rebuild + verify``, where the transfer rate of
one job is ``min(throughput, shared_throughput / min(slots, databases))`` — the shared
bandwidth is split evenly between the slots (a job does not speed up when other slots are
idle at the end of the queue: a conservative simplification).

The queue is list scheduling: each job starts on the slot that frees first, so with
durations ``d_1 … d_n`` and one slot the k-th job finishes at ``d_1 + … + d_k`` (for n equal
databases, ``k · size / throughput`` plus rebuild and verification). :func:`restore_schedule`
computes it for many disasters at once (vectorised over disasters, a loop over databases).
"""

from __future__ import annotations

import numpy as np

from ..topology.dataprotection import DataProtection

__all__ = ["job_rate_bytes_per_h", "restore_durations_h", "restore_schedule"]


def restore_schedule(durations_h: np.ndarray, slots: int) -> np.ndarray:
    """Finish times (hours after the restore starts) of jobs queued in column order.

    Parameters
    ----------
    durations_h : ndarray, shape (n_disasters, n_databases)
        How long each job holds its slot.
    slots : int
        Parallel restore slots.

    Examples
    --------
    >>> restore_schedule(np.array([[1.0, 1.0, 1.0]]), slots=1)
    array([[1., 2., 3.]])
    >>> restore_schedule(np.array([[3.0, 1.0, 1.0]]), slots=2)
    array([[3., 1., 2.]])
    """
    n_disasters, n_databases = durations_h.shape
    if slots >= n_databases:
        return durations_h.copy()
    finish = np.empty_like(durations_h)
    free_at = np.zeros((n_disasters, slots))
    rows = np.arange(n_disasters)
    for job in range(n_databases):
        slot = np.argmin(free_at, axis=1)
        done = free_at[rows, slot] + durations_h[:, job]
        free_at[rows, slot] = done
        finish[:, job] = done
    return finish


def job_rate_bytes_per_h(data: DataProtection, throughput_bytes_per_h: np.ndarray | float) -> np.ndarray:
    """Transfer rate of one restore job given its own throughput draw."""
    shared = data.databases.shared_throughput_bytes_per_h
    if shared is None:
        return np.asarray(throughput_bytes_per_h, dtype=float)
    parallel = min(data.databases.slots, data.databases.count)
    return np.minimum(throughput_bytes_per_h, shared / parallel)


def restore_durations_h(data: DataProtection, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Slot holding times: ``size / rate + index_rebuild + verify`` for each job."""
    size = data.database_size_bytes.sample(rng, shape)
    rate = job_rate_bytes_per_h(data, data.restore.throughput_bytes_per_h.sample(rng, shape))
    rebuild = data.restore.index_rebuild.sample(rng, shape)
    verify = data.restore.verify.sample(rng, shape)
    return size / rate + rebuild + verify
