"""Launch moto 5.2.1's server (``moto_server`` is ``moto.server.main``) with minimal fixes.

Fixed (all RDS, all in moto.rds.models; numbered as in the test):
  1. RestoreDBClusterFromSnapshot of a managed-password cluster -> HTTP 500
  2. ModifyDBCluster rename leaves the instances in the old identifier
  3. ModifyDBCluster rename onto a taken identifier silently replaces that cluster
  4. ModifyDBCluster of a missing cluster -> HTTP 500 instead of DBClusterNotFoundFault
  5. RestoreDBClusterFromSnapshot rejects a (same-account) snapshot ARN
  6. CreateDBCluster / RestoreDBClusterFromSnapshot onto a taken identifier replace that cluster
  7. Re-creating a deleted cluster's identifier within the same minute fails

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


def _taken(backend: Any, cluster_identifier: str) -> bool:
    """Cluster identifiers are case-insensitive on AWS; moto keys clusters as given."""
    return any(key.lower() == cluster_identifier.lower() for key in backend.clusters)


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


def patch_modify_db_cluster() -> None:
    """Defects 2-4: ModifyDBCluster renames (NewDBClusterIdentifier) and missing clusters.

    2. AWS: a renamed cluster keeps its DB instances (DescribeDBInstances reports the new
       DBClusterIdentifier, DBClusterMembers still lists them); a rename-based swap relies on it.
       moto: membership is derived from each instance's ``db_cluster_identifier``, which the
       rename does not touch, so the renamed cluster is empty and the instances name the old id.
       Fix: after moto's own rename, point the old members at the new identifier.
    3. AWS: renaming onto an identifier that is taken fails with DBClusterAlreadyExistsFault
       (documented error of ModifyDBCluster). moto: silently replaces the other cluster, so a
       swap done in the wrong order would "work" here and lose a database on AWS.
       Fix: refuse before moto's rename.
    4. AWS: modifying a cluster that does not exist fails with DBClusterNotFoundFault.
       moto: KeyError -> HTTP 500. Fix: raise the documented error.
    """
    from moto.rds.exceptions import DBClusterNotFoundError, RDSClientError
    from moto.rds.models import RDSBackend

    original = RDSBackend.modify_db_cluster

    def modify_db_cluster(self: Any, kwargs: dict[str, Any]) -> Any:
        old_id = kwargs["db_cluster_identifier"]
        cluster = self.clusters.get(old_id)
        if cluster is None:
            raise DBClusterNotFoundError(old_id)  # 4
        new_id = kwargs.get("new_db_cluster_identifier")
        if new_id and new_id.lower() != old_id.lower() and _taken(self, new_id):
            raise RDSClientError("DBClusterAlreadyExistsFault", "DB cluster already exists")  # 3
        members = list(cluster._members)
        result = original(self, kwargs)
        if new_id:
            for instance in members:  # 2
                instance.db_cluster_identifier = cluster.db_cluster_identifier
        return result

    RDSBackend.modify_db_cluster = modify_db_cluster


def patch_restore_db_cluster_from_snapshot_arn() -> None:
    """Defect 5: RestoreDBClusterFromSnapshot does not accept a snapshot ARN.

    AWS: "You can use either the name or the Amazon Resource Name (ARN) to specify a DB cluster
    snapshot" (SnapshotIdentifier). moto: looks the ARN up as a name -> DBClusterSnapshotNotFound
    (its RestoreDBInstanceFromDBSnapshot does accept ARNs). Fix: an ARN of a snapshot in this
    account and region is turned into its name. An ARN of another account's (shared) snapshot is
    passed through untouched: cross-account restore is a feature moto lacks, not fixed here.
    """
    from moto.rds.models import RDSBackend

    original = RDSBackend.restore_db_cluster_from_snapshot

    def restore_db_cluster_from_snapshot(self: Any, from_snapshot_id: str, overrides: dict[str, Any]) -> Any:
        parts = (from_snapshot_id or "").split(":")
        if (
            len(parts) == 7
            and parts[0] == "arn"
            and parts[2] == "rds"
            and parts[3] == self.region_name
            and parts[4] == self.account_id
            and parts[5] == "cluster-snapshot"
        ):
            from_snapshot_id = parts[6]
        return original(self, from_snapshot_id, overrides)

    RDSBackend.restore_db_cluster_from_snapshot = restore_db_cluster_from_snapshot


def patch_create_db_cluster_refuses_existing() -> None:
    """Defect 6: CreateDBCluster / RestoreDBClusterFromSnapshot onto an existing identifier.

    AWS: both fail with DBClusterAlreadyExistsFault when the identifier is taken (documented
    errors of both actions); a resumed refresh relies on that to never clobber a cluster.
    moto: no check at all, the existing cluster is silently replaced. Fix: refuse first.
    """
    from moto.rds.exceptions import RDSClientError
    from moto.rds.models import RDSBackend

    original = RDSBackend.create_db_cluster

    def create_db_cluster(self: Any, kwargs: dict[str, Any]) -> Any:
        identifier = kwargs.get("db_cluster_identifier")
        if identifier and _taken(self, identifier):
            raise RDSClientError("DBClusterAlreadyExistsFault", "DB cluster already exists")
        return original(self, kwargs)

    RDSBackend.create_db_cluster = create_db_cluster


def patch_recreate_db_cluster_same_minute() -> None:
    """Defect 7: re-creating a deleted cluster's identifier within the same minute fails.

    AWS: after DeleteDBCluster, CreateDBCluster (or a restore) may reuse the identifier at once
    (Terraform does exactly that when it replaces a cluster); automated backups never make a
    create fail. moto: every new cluster takes an automated snapshot named
    ``rds:<id>-<YYYY-MM-DD-HH-MM>`` and the deleted cluster's one is still there, so the create
    fails with DBClusterSnapshotAlreadyExistsFault (after registering the cluster). Fix: skip
    the automated snapshot when one of that name exists.
    """
    from moto.rds.exceptions import DBClusterSnapshotAlreadyExistsError
    from moto.rds.models import DBCluster

    original = DBCluster.save_automated_backup

    def save_automated_backup(self: Any) -> None:
        try:
            original(self)
        except DBClusterSnapshotAlreadyExistsError:
            pass

    DBCluster.save_automated_backup = save_automated_backup


PATCHES = [
    patch_restore_db_cluster_from_snapshot,
    patch_modify_db_cluster,
    patch_restore_db_cluster_from_snapshot_arn,
    patch_create_db_cluster_refuses_existing,
    patch_recreate_db_cluster_same_minute,
]


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
