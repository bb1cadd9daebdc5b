"""Launch moto 5.2.1's server (``moto_server`` is ``moto.server.main``) with minimal fixes.

Each patch below fixes a defect of the emulator against *documented AWS behaviour* and nothing
else: features AWS has and moto lacks (cross-account snapshot copy/restore, CloudFront response
headers policies, ...) are deliberately NOT added here; they are covered by aws-sdk-client-mock
contract tests. Every patch is shown by __tests__/sandbox/moto-defects.test.ts: the defect on
plain moto (``--no-patches``), AWS's behaviour with the patch.

Usage (scripts/sandbox/emulator.ts runs this for you):
    <python that runs moto_server> scripts/sandbox/moto_launcher.py [--no-patches]
        [--parent-pid PID] [-H 127.0.0.1] [-p PORT]

``--parent-pid`` makes the server die with the process that started it (Linux PR_SET_PDEATHSIG),
so a crashed test run never leaves an emulator behind. Every other argument goes to moto.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import Any

SUPPORTED_MOTO = "5.2.1"


def patch_restore_db_cluster_from_snapshot() -> None:
    """Defect 1: RestoreDBClusterFromSnapshot returns HTTP 500 for a managed-password cluster.

    AWS: RestoreDBClusterFromSnapshot works for any available cluster snapshot, including one of
    a cluster whose master password is managed in Secrets Manager (ManageMasterUserPassword).
    moto: ``DBCluster.get_cfg`` (used to copy the snapshot's cluster settings) pops
    ``_master_user_password`` without a default; a managed-password cluster never sets it, so
    the pop raises KeyError -> 500. Fix: the same method, popping with a default.
    """
    from moto.rds.models import DBCluster

    def get_cfg(self: Any) -> dict[str, Any]:
        cfg = self.__dict__.copy()
        cfg.pop("backend")
        cfg["master_user_password"] = cfg.pop("_master_user_password", None)  # the fix
        cfg["enable_http_endpoint"] = cfg.pop("_enable_http_endpoint")
        cfg["vpc_security_group_ids"] = cfg.pop("_vpc_security_group_ids")
        return cfg

    DBCluster.get_cfg = get_cfg


def patch_rename_db_cluster_keeps_instances() -> None:
    """Defect 2: renaming a cluster leaves its instances pointing at the old identifier.

    AWS: ModifyDBCluster with NewDBClusterIdentifier renames the cluster; its DB instances stay
    members of it, so DescribeDBInstances reports the new DBClusterIdentifier and the cluster's
    DBClusterMembers still lists them (a rename-based swap depends on this).
    moto: membership is derived from each instance's ``db_cluster_identifier``, which the rename
    does not touch, so the renamed cluster has no members and the instances report the old name.
    Fix: after moto's own rename, point the old members at the new identifier.
    """
    from moto.rds.models import RDSBackend

    original = RDSBackend.modify_db_cluster

    def modify_db_cluster(self: Any, kwargs: dict[str, Any]) -> Any:
        old_id = kwargs["db_cluster_identifier"]
        cluster = self.clusters.get(old_id)
        members = list(cluster._members) if cluster is not None else []
        result = original(self, kwargs)
        if kwargs.get("new_db_cluster_identifier") and cluster is not None:
            for instance in members:
                instance.db_cluster_identifier = cluster.db_cluster_identifier
        return result

    RDSBackend.modify_db_cluster = modify_db_cluster


PATCHES = [patch_restore_db_cluster_from_snapshot, patch_rename_db_cluster_keeps_instances]


def die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGTERM us when the process that spawned us goes away (no orphans)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except Exception:  # not Linux: emulator.ts still stops us on exit and signals
        return
    # The parent may have died before prctl ran: then we were re-parented already.
    if os.getppid() != parent_pid:
        sys.exit(0)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--no-patches", action="store_true")
    parser.add_argument("--parent-pid", type=int)
    ours, moto_args = parser.parse_known_args(argv)

    if ours.parent_pid:
        die_with_parent(ours.parent_pid)

    import moto

    if moto.__version__ != SUPPORTED_MOTO:
        print(
            f"moto_launcher: warning: patches were written for moto {SUPPORTED_MOTO}, "
            f"found {moto.__version__}; check __tests__/sandbox/moto-defects.test.ts",
            file=sys.stderr,
        )
    if not ours.no_patches:
        for patch in PATCHES:
            patch()
        print(f"moto_launcher: applied {len(PATCHES)} patches", file=sys.stderr, flush=True)

    from moto.server import main as moto_main

    sys.argv = [sys.argv[0], *moto_args]  # moto_main falls back to sys.argv when given []
    moto_main(moto_args)


if __name__ == "__main__":
    main(sys.argv[1:])
