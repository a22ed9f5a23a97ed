//! `create` and the backup around it: the VSS context DiskShadow asks for, the set, the
//! writers' components (DiskShadow's selection by the set's volumes, `writer verify` and
//! `exclude`), the aliases, the metadata cabinet and the report; `end backup`.

use std::fmt::Write as _;

use super::{async_hr, braced, names_component, names_writer, volume_name, DiskShadow, Flow};
use crate::requester::select_by_set_volumes;
use crate::tools::diskshadow::command::DsContext;
use crate::tools::diskshadow::report;
use crate::vocab::{
    Attributes, BackupState, BackupType, Call, ComponentKey, Hresult, ProviderId, Reply,
    SnapshotContext, SnapshotProperties, SnapshotSetId, WriterMetadataView,
};

impl DiskShadow {
    /// The context DiskShadow asks for (inferred from the attribute words of published
    /// copies): persistent is `VSS_CTX_APP_ROLLBACK`, persistent nowriters
    /// `VSS_CTX_NAS_ROLLBACK`, volatile `VSS_CTX_BACKUP`, volatile nowriters
    /// `VSS_CTX_FILE_SHARE_BACKUP`, clientaccessible `VSS_CTX_CLIENT_ACCESSIBLE`; the options
    /// add their attribute bits.
    pub(super) fn vss_context(&self) -> u32 {
        let base = match (self.context, self.no_writers) {
            (DsContext::Persistent, false) => SnapshotContext::VSS_CTX_APP_ROLLBACK,
            (DsContext::Persistent, true) => SnapshotContext::VSS_CTX_NAS_ROLLBACK,
            (DsContext::Volatile, false) => SnapshotContext::VSS_CTX_BACKUP,
            (DsContext::Volatile, true) => SnapshotContext::VSS_CTX_FILE_SHARE_BACKUP,
            (DsContext::ClientAccessible, _) => SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE,
        };
        let o = self.options;
        let mut bits = Attributes::NONE;
        for (on, bit) in [
            (o.differential, Attributes::DIFFERENTIAL),
            (o.plex, Attributes::PLEX),
            (o.transportable, Attributes::TRANSPORTABLE),
            (o.rollback_recover, Attributes::ROLLBACK_RECOVERY),
            (o.txf_recover, Attributes::TXF_RECOVERY),
            (o.no_auto_recover, Attributes::NO_AUTORECOVERY),
        ] {
            if on {
                bits = bits.union(bit);
            }
        }
        base.value() | bits.0
    }

    pub(super) fn writers_involved(&self) -> bool {
        !self.no_writers && self.context != DsContext::ClientAccessible
    }

    /// `create` (Microsoft's `create` page; R116, R120): the set of the added volumes in the
    /// current context, with the writers' components whose volumes are all in it.
    pub(super) fn create(&mut self) -> Flow {
        if self.volumes.is_empty() {
            self.out
                .push_str("\nNo volumes have been added to the Shadow Copy Set. Use ADD VOLUME.\n");
            return Flow::Failed;
        }
        if self.created.is_some() {
            self.out.push_str(
                "\nA shadow copy set was already created in this session. Use RESET to start \
                 another.\n",
            );
            return Flow::Failed;
        }
        match self.create_set() {
            Ok(set) => self.report_created(set),
            Err(hr) => {
                if let Some(bc) = self.bc.as_mut() {
                    let _ = bc.call(Call::AbortBackup);
                }
                self.backup_open = false;
                self.failed(hr)
            }
        }
    }

    pub(super) fn create_set(&mut self) -> Result<SnapshotSetId, Hresult> {
        let context = self.vss_context();
        let writers = self.writers_involved();
        let backup_type = if self.full_backup {
            BackupType::VSS_BT_FULL
        } else {
            BackupType::VSS_BT_COPY
        };
        let volumes: Vec<(String, Option<ProviderId>)> = self
            .volumes
            .iter()
            .map(|v| (volume_name(&v.volume), v.provider))
            .collect();
        let bc = self.requester()?;
        bc.call_ok(Call::SetContext { context })?;
        let mut views = Vec::new();
        if writers {
            bc.call_ok(Call::SetBackupState(BackupState {
                select_components: true,
                bootable_system_state: false,
                backup_type,
                partial_file_support: false,
            }))?;
            bc.call_and_wait(Call::GatherWriterMetadata)
                .map_err(async_hr)?;
            views = bc.writer_metadata()?;
        }
        let Reply::SnapshotSet(set) = bc.call(Call::StartSnapshotSet)? else {
            return Err(Hresult::VSS_E_UNEXPECTED);
        };
        let mut ids = Vec::with_capacity(volumes.len());
        for (volume, provider) in &volumes {
            if let Reply::Snapshot(id) = bc.call(Call::AddToSnapshotSet {
                volume: volume.clone(),
                provider: provider.unwrap_or(ProviderId::NULL),
            })? {
                ids.push(id);
            }
        }
        self.snapshot_ids = ids;
        if writers {
            self.select_components(&views)?;
            let bc = self.requester()?;
            bc.call_and_wait(Call::PrepareForBackup).map_err(async_hr)?;
            self.backup_open = true;
        }
        let bc = self.requester()?;
        bc.call_and_wait(Call::DoSnapshotSet).map_err(async_hr)?;
        self.backup_open = writers;
        Ok(set)
    }

    /// The writers' components: DiskShadow's selection by the set's volumes (field failure 24)
    /// with `writer exclude` and `writer verify` applied; the verbose report of it.
    pub(super) fn select_components(
        &mut self,
        views: &[WriterMetadataView],
    ) -> Result<(), Hresult> {
        let in_set = self.requester()?.set_volumes();
        let excluded_writer = |view: &WriterMetadataView, list: &[String]| {
            list.iter().any(|who| names_writer(who, view))
        };
        let exclude = self.exclude.clone();
        let selection = select_by_set_volumes(&self.vss, views, &in_set, |view| {
            !excluded_writer(view, &exclude)
        });
        let mut verbose = String::new();
        let mut chosen: Vec<ComponentKey> = Vec::new();
        for view in views {
            if excluded_writer(view, &exclude) {
                continue;
            }
            let mine = |key: &ComponentKey| key.instance_id == view.identity.instance_id;
            let dropped: Vec<&crate::requester::ExcludedComponent> = selection
                .excluded
                .iter()
                .filter(|e| mine(&e.component))
                .collect();
            for excluded in &dropped {
                let _ = writeln!(verbose, "{}", report::excluded_line(excluded));
            }
            let required_lost = dropped.iter().find(|e| {
                view.components
                    .iter()
                    .any(|c| c.key == e.component && !c.info.selectable)
            });
            let mut keys: Vec<&ComponentKey> = selection
                .added
                .iter()
                .filter(|k| mine(k))
                .filter(|k| !exclude.iter().any(|who| names_component(who, view, k)))
                .collect();
            if let Some(lost) = required_lost {
                let _ = writeln!(
                    verbose,
                    "The writer \"{}\" is now entirely excluded from the backup because the \
                     top-level\nnon selectable component \"{}\" is excluded.",
                    view.identity.name,
                    report::component_path(&lost.component)
                );
                keys.clear();
            } else if keys.is_empty() && dropped.is_empty() {
                let _ = writeln!(
                    verbose,
                    "Excluding writer \"{}\", because all of its components have been excluded.",
                    view.identity.name
                );
            }
            if !keys.is_empty() {
                let _ = write!(
                    verbose,
                    "\n* Including writer \"{}\":\n",
                    view.identity.name
                );
                for key in &keys {
                    let _ = writeln!(
                        verbose,
                        "\t+ Adding component: {}",
                        report::component_path(key)
                    );
                }
                chosen.extend(keys.into_iter().cloned());
            }
        }
        // `writer verify`: the operation fails unless the writer or component is included.
        for who in self.verify.clone() {
            let included = chosen.iter().any(|key| {
                views.iter().any(|view| {
                    key.instance_id == view.identity.instance_id
                        && (names_writer(&who, view) || names_component(&who, view, key))
                })
            });
            if !included {
                if self.verbose {
                    self.out.push_str(&verbose);
                }
                let _ = writeln!(
                    self.out,
                    "\nThe writer or component \"{who}\" is not included in the backup, and \
                     WRITER VERIFY requires it."
                );
                return Err(Hresult::VSS_E_OBJECT_NOT_FOUND);
            }
        }
        if self.verbose {
            self.out.push_str(&verbose);
            self.out.push('\n');
        }
        let bc = self.requester()?;
        for key in chosen {
            bc.call_ok(Call::AddComponent(key))?;
        }
        Ok(())
    }

    /// The aliases, the metadata cabinet and the report after a successful `create`.
    pub(super) fn report_created(&mut self, set: SnapshotSetId) -> Flow {
        if self.verbose && !self.writers_involved() {
            self.out.push('\n');
        }
        // A transportable set's copies are not on this machine (R97): listed are those that are.
        let copies = self.copies_of(set);
        let ids = self.snapshot_ids.clone();
        for (n, (added, id)) in self.volumes.clone().iter().zip(&ids).enumerate() {
            let alias = added
                .alias
                .clone()
                .unwrap_or_else(|| format!("VSS_SHADOW_{}", n + 1));
            let value = braced(id.0);
            let _ = writeln!(
                self.out,
                "Alias {alias} for shadow ID {value} set as environment variable."
            );
            self.set_alias(&alias, &value);
        }
        let value = braced(set.0);
        let _ = writeln!(
            self.out,
            "Alias VSS_SHADOW_SET for shadow set ID {value} set as environment variable."
        );
        self.set_alias("VSS_SHADOW_SET", &value);
        self.created = Some(set);
        if let Err(flow) = self.write_cabinet(set) {
            return flow;
        }
        self.out.push_str(&report::querying_set(set));
        self.report_copies(&copies);
        // A copy backup is complete once created; a full one waits for `end backup`.
        if !self.full_backup && self.backup_open {
            if let Some(bc) = self.bc.as_mut() {
                let _ = bc.call_and_wait(Call::BackupComplete);
            }
            self.backup_open = false;
        }
        Flow::Continue
    }

    /// The metadata cabinet `create` writes: the Backup Components Document, the writers'
    /// documents and the aliases (R117; Microsoft's `set metadata` and `import` pages).
    pub(super) fn write_cabinet(&mut self, set: SnapshotSetId) -> Result<(), Flow> {
        let name = self.metadata.clone().unwrap_or_else(|| {
            let (y, mo, d, h, mi, s) = crate::vocab::civil_time(self.vss.wall_clock_now());
            format!(
                "{y}-{mo:02}-{d:02}_{h}-{mi:02}-{s:02}_{}.cab",
                self.vss.machine_name()
            )
        });
        let bcd = self
            .bc
            .as_mut()
            .and_then(|bc| bc.save_as_xml().ok())
            .unwrap_or_default();
        let writers: Vec<String> = if self.writers_involved() {
            self.bc
                .as_mut()
                .and_then(|bc| bc.writer_metadata().ok())
                .unwrap_or_default()
                .iter()
                .map(crate::xml::wmd::save)
                .collect()
        } else {
            Vec::new()
        };
        let metadata = crate::tools::diskshadow::cabinet::Metadata {
            set: Some(set),
            aliases: self.aliases.clone(),
            bcd,
            writers,
        };
        let (bytes, files) = metadata.to_cab();
        if self.verbose {
            let shown = name.rsplit(['\\', '/']).next().unwrap_or(&name).to_owned();
            for file in files {
                let _ = writeln!(self.out, "Inserted file {file} into .cab file {shown}");
            }
        }
        self.written.retain(|(n, _)| n != &name);
        self.written.push((name, bytes));
        Ok(())
    }

    /// The shadow copies of `set`, in the order their volumes were added.
    pub(super) fn copies_of(&mut self, set: SnapshotSetId) -> Vec<SnapshotProperties> {
        let mut copies = self.query_all().unwrap_or_default();
        copies.retain(|c| c.snapshot_set_id == set);
        copies
    }

    pub(super) fn report_copies(&mut self, copies: &[SnapshotProperties]) {
        for copy in copies {
            let alias = self
                .aliases
                .iter()
                .find(|(_, v)| v.eq_ignore_ascii_case(&braced(copy.snapshot_id.0)))
                .map(|(n, _)| n.clone());
            let set_alias = self
                .aliases
                .iter()
                .find(|(_, v)| v.eq_ignore_ascii_case(&braced(copy.snapshot_set_id.0)))
                .map(|(n, _)| n.clone());
            // A file share is not a volume of this machine (Microsoft's SMB example).
            let remote = copy.original_volume.starts_with("\\\\")
                && !copy.original_volume.starts_with("\\\\?\\");
            let display = if remote {
                None
            } else {
                self.vss.volume_display(&copy.original_volume)
            };
            self.out.push_str(&report::copy_block(
                copy,
                alias.as_deref(),
                set_alias.as_deref(),
                display.as_deref(),
            ));
        }
        let _ = writeln!(self.out, "Number of shadow copies listed: {}", copies.len());
    }

    pub(super) fn end_backup(&mut self) -> Flow {
        if !self.backup_open {
            self.full_backup = false;
            return Flow::Continue;
        }
        self.backup_open = false;
        self.full_backup = false;
        let Some(bc) = self.bc.as_mut() else {
            return Flow::Continue;
        };
        match bc.call_and_wait(Call::BackupComplete) {
            Ok(_) => Flow::Continue,
            Err(err) => self.failed(async_hr(err)),
        }
    }
}
