//! `load metadata` and the restore: `begin restore`, `end restore`, `simulate restore` (R120).

use std::fmt::Write as _;

use super::{async_hr, DiskShadow, Flow};
use crate::vocab::{Call, Hresult};

impl DiskShadow {
    pub(super) fn load_metadata(&mut self, file: &str) -> Flow {
        let Some(bytes) = self.read_file(file) else {
            let _ = writeln!(self.out, "\nThe metadata file {file} could not be found.");
            return Flow::Failed;
        };
        match crate::tools::diskshadow::cabinet::Metadata::from_cab(&bytes) {
            Ok(metadata) => {
                for (name, value) in &metadata.aliases {
                    self.set_alias(name, value);
                }
                self.loaded = Some(metadata);
                Flow::Continue
            }
            Err(err) => {
                let _ = writeln!(
                    self.out,
                    "\nThe metadata file {file} could not be loaded: {err}"
                );
                Flow::Failed
            }
        }
    }

    /// `begin restore` (R120): a restore object initialized with the loaded document, every
    /// component selected, `PreRestore`.
    pub(super) fn begin_restore(&mut self) -> Flow {
        let Some(loaded) = self.loaded.clone() else {
            self.out
                .push_str("\nLOAD METADATA must be used before BEGIN RESTORE.\n");
            return Flow::Failed;
        };
        self.release();
        let mut bc = self.vss.dynamic();
        let result = select_for_restore(&mut bc, &loaded.bcd).and_then(|()| {
            bc.call_and_wait(Call::PreRestore)
                .map(|_| ())
                .map_err(async_hr)
        });
        self.bc = Some(bc);
        match result {
            Ok(()) => {
                self.in_restore = true;
                Flow::Continue
            }
            Err(hr) => self.failed(hr),
        }
    }

    /// `simulate restore` (Microsoft's page): what `begin restore` does up to the selection, on
    /// a restore object of its own, without PreRestore or PostRestore; it fails where the
    /// restore would (no metadata loaded, a document that does not load, a component the
    /// writers refuse).
    pub(super) fn simulate_restore(&mut self) -> Flow {
        let Some(loaded) = self.loaded.clone() else {
            self.out
                .push_str("\nLOAD METADATA must be used before SIMULATE RESTORE.\n");
            return Flow::Failed;
        };
        let mut bc = self.vss.dynamic();
        let result = select_for_restore(&mut bc, &loaded.bcd);
        let _ = bc.call(Call::Release);
        match result {
            Ok(()) => Flow::Continue,
            Err(hr) => self.failed(hr),
        }
    }

    /// `end restore` (R120): the files are taken as restored, then `PostRestore`.
    pub(super) fn end_restore(&mut self) -> Flow {
        if !self.in_restore {
            self.out
                .push_str("\nBEGIN RESTORE must be used before END RESTORE.\n");
            return Flow::Failed;
        }
        self.in_restore = false;
        let Some(bc) = self.bc.as_mut() else {
            return Flow::Continue;
        };
        let result = (|| {
            for entry in bc.writer_components()? {
                for component in &entry.components {
                    // Components not selected for restore refuse it; that is no failure here.
                    let _ = bc.call(Call::SetFileRestoreStatus {
                        component: entry.key(component),
                        status: crate::vocab::FileRestoreStatus::VSS_RS_ALL,
                    });
                }
            }
            bc.call_and_wait(Call::PostRestore).map_err(async_hr)?;
            Ok::<(), Hresult>(())
        })();
        match result {
            Ok(()) => Flow::Continue,
            Err(hr) => self.failed(hr),
        }
    }
}

/// What `begin restore` and `simulate restore` share: `bc` initialized for a restore of `bcd`,
/// the writers' metadata gathered, every component of the document selected for restore.
fn select_for_restore(
    bc: &mut crate::requester::DynBackupComponents,
    bcd: &str,
) -> Result<(), Hresult> {
    bc.call_ok(Call::InitializeForRestore {
        bcd: bcd.to_owned(),
    })?;
    bc.call_and_wait(Call::GatherWriterMetadata)
        .map_err(async_hr)?;
    for entry in bc.writer_components()? {
        for component in &entry.components {
            bc.call_ok(Call::SetSelectedForRestore {
                component: entry.key(component),
                selected: true,
            })?;
        }
    }
    Ok(())
}
