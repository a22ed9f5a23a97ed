//! `import` and `mask`: a transportable set from a loaded metadata cabinet comes onto the
//! machine (`ImportSnapshots`, R97), and goes again (Microsoft's `import` and `mask` pages);
//! `revert`: a volume goes back to a shadow copy.

use std::fmt::Write as _;

use super::{async_hr, braced, DiskShadow, Flow};
use crate::tools::diskshadow::report;
use crate::vocab::{Call, Hresult, SnapshotContext, SnapshotSetId};

impl DiskShadow {
    /// `import`: a requester initialized with the loaded Backup Components Document
    /// (`InitializeForBackup(bstrXML)`, `VSS_CTX_ALL` as VShadow sets it) imports the set it
    /// describes and keeps it until `exit` or `reset` (an auto-release set then goes). The set
    /// gets the alias `Import_<n>` (the name Microsoft's `mask` example uses), announced like
    /// `create`'s aliases, and its copies are listed as `create` lists them (both inferred:
    /// no transcript of `import` is published).
    pub(super) fn import(&mut self) -> Flow {
        let Some(loaded) = self.loaded.clone() else {
            self.out
                .push_str("\nLOAD METADATA must be used before IMPORT.\n");
            return Flow::Failed;
        };
        self.release();
        let mut bc = self.vss.dynamic();
        let result = (|| {
            bc.call_ok(Call::InitializeForBackupFrom {
                bcd: loaded.bcd.clone(),
            })?;
            bc.call_ok(Call::SetContext {
                context: SnapshotContext::VSS_CTX_ALL.value(),
            })?;
            bc.import_snapshots().map_err(async_hr)
        })();
        self.bc = Some(bc);
        let status = match result {
            Ok(status) => status,
            Err(hr) => return self.failed(hr),
        };
        let set = crate::xml::bcd::load(&loaded.bcd)
            .ok()
            .and_then(|doc| doc.snapshot_set_description)
            .map_or(SnapshotSetId::NULL, |d| d.snapshot_set_id);
        self.imports += 1;
        let alias = format!("Import_{}", self.imports);
        let value = braced(set.0);
        let _ = writeln!(
            self.out,
            "Alias {alias} for shadow set ID {value} set as environment variable."
        );
        self.set_alias(&alias, &value);
        if status == Hresult::VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED {
            self.out
                .push_str("\nSome of the shadow copies of the set were not imported.\n");
        }
        let copies = self.copies_of(set);
        self.out.push_str(&report::querying_set(set));
        self.report_copies(&copies);
        Flow::Continue
    }

    /// `mask <set>`: the hardware set's LUNs (an imported set's, as Microsoft's page has it;
    /// the simulation does not insist) are masked from this machine, so its copies leave it.
    /// That is `BreakSnapshotSetEx` with `VSS_BREAKEX_FLAG_MASK_LUNS`; with no LUNs simulated,
    /// it does what `break` does: a software provider's set is refused with
    /// `VSS_E_PROVIDER_VETO`, an unknown one with `VSS_E_OBJECT_NOT_FOUND`. Nothing is printed
    /// on success (no transcript is published).
    pub(super) fn mask(&mut self, set: &str) -> Flow {
        self.break_set(set)
    }

    /// `revert <shadow>` (Microsoft's `revert` page): `RevertToSnapshot`, without dismounting
    /// a volume in use (inferred). The page says DiskShadow reverts client-accessible copies;
    /// the method takes every persistent copy of a provider that reverts, and so does the
    /// simulated DiskShadow. Nothing is printed on success (no transcript is published).
    pub(super) fn revert(&mut self, shadow: &str) -> Flow {
        self.call_on_id(shadow, |id| Call::RevertToSnapshot {
            snapshot: crate::vocab::SnapshotId(id),
            force_dismount: false,
        })
    }
}
