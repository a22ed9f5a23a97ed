//! What DiskShadow asks of the machine outside a backup: `list`, `delete shadows`, `expose`,
//! `unexpose`, `break`, and the bare `set` and `add` that show the session's settings.

use std::fmt::Write as _;

use super::{async_hr, braced, parse_id, volume_name, DiskShadow, Flow};
use crate::requester::Vss;
use crate::tools::administer;
use crate::tools::diskshadow::command::{DsContext, ShadowSelection, WriterListing};
use crate::tools::diskshadow::report;
use crate::vocab::{
    Attributes, Call, Hresult, ObjectType, Reply, SnapshotId, SnapshotProperties, SnapshotSetId,
};

impl DiskShadow {
    /// Every shadow copy on the machine (`Query` in `VSS_CTX_ALL`), through a requester of its
    /// own, as `list shadows` and `delete shadows` are.
    pub(super) fn query_all(&mut self) -> Result<Vec<SnapshotProperties>, Hresult> {
        administer(&self.vss, |bc| match bc.call(Call::Query)? {
            Reply::Snapshots(copies) => Ok(copies),
            _ => Ok(Vec::new()),
        })
    }

    pub(super) fn list_writers(&mut self, listing: WriterListing) -> Flow {
        match listing {
            WriterListing::Status => match crate::tools::diskshadow::list_writers_status(&self.vss)
            {
                Ok(text) => {
                    self.out.push_str(&text);
                    Flow::Continue
                }
                Err(err) => self.failed(async_hr(err)),
            },
            WriterListing::Metadata | WriterListing::Detailed => {
                let detailed = listing == WriterListing::Detailed;
                match report::writers_metadata(&self.vss, detailed) {
                    Ok(text) => {
                        self.out.push_str(&text);
                        Flow::Continue
                    }
                    Err(err) => self.failed(async_hr(err)),
                }
            }
        }
    }

    pub(super) fn list_providers(&mut self) -> Flow {
        let mut bc = self.vss.dynamic();
        let providers = (|| {
            bc.call_ok(Call::InitializeForBackup)?;
            match bc.call(Call::QueryProviders)? {
                Reply::Providers(providers) => Ok(providers),
                _ => Ok(Vec::new()),
            }
        })();
        let _ = bc.call(Call::Release);
        match providers {
            Ok(providers) => {
                self.out.push_str(&report::providers(&providers));
                Flow::Continue
            }
            Err(hr) => self.failed(hr),
        }
    }

    /// The copies a selection names, oldest first.
    pub(super) fn selected(
        &mut self,
        selection: &ShadowSelection,
    ) -> Result<Vec<SnapshotProperties>, Hresult> {
        let copies = self.query_all()?;
        let guid_of = |vss: &Vss, volume: &str| vss.volume_guid_path(&volume_name(volume));
        Ok(match selection {
            ShadowSelection::All => copies,
            ShadowSelection::Volume(volume) => {
                let Some(guid) = guid_of(&self.vss, volume) else {
                    return Err(Hresult::VSS_E_OBJECT_NOT_FOUND);
                };
                copies
                    .into_iter()
                    .filter(|c| c.original_volume == guid)
                    .collect()
            }
            ShadowSelection::Oldest(volume) => {
                let Some(guid) = guid_of(&self.vss, volume) else {
                    return Err(Hresult::VSS_E_OBJECT_NOT_FOUND);
                };
                copies
                    .into_iter()
                    .filter(|c| c.original_volume == guid)
                    .min_by_key(|c| c.created_at_ms)
                    .into_iter()
                    .collect()
            }
            ShadowSelection::Set(id) => {
                let id = parse_id(id)?;
                copies
                    .into_iter()
                    .filter(|c| c.snapshot_set_id.0 == id)
                    .collect()
            }
            ShadowSelection::Id(id) => {
                let id = parse_id(id)?;
                copies
                    .into_iter()
                    .filter(|c| c.snapshot_id.0 == id)
                    .collect()
            }
            ShadowSelection::Exposed(at) => {
                let at = at.trim_end_matches('\\');
                copies
                    .into_iter()
                    .filter(|c| {
                        c.exposed_name.as_deref().is_some_and(|name| {
                            crate::vocab::same_path(name.trim_end_matches('\\'), at)
                        })
                    })
                    .collect()
            }
        })
    }

    pub(super) fn list_shadows(&mut self, selection: &ShadowSelection) -> Flow {
        match self.selected(selection) {
            Ok(copies) => {
                self.out.push_str(&report::querying(selection));
                self.report_copies(&copies);
                Flow::Continue
            }
            Err(hr) => self.failed(hr),
        }
    }

    pub(super) fn delete_shadows(&mut self, selection: &ShadowSelection) -> Flow {
        let copies = match self.selected(selection) {
            Ok(copies) => copies,
            Err(hr) => return self.failed(hr),
        };
        let vss = self.vss.clone();
        let out = &mut self.out;
        let deleted = administer(&vss, |bc| {
            let mut deleted = 0;
            for copy in &copies {
                out.push_str(&report::deleting(copy));
                if let Reply::Deleted { deleted: n, .. } = bc.call(Call::DeleteSnapshots {
                    id: copy.snapshot_id.0,
                    object: ObjectType::VSS_OBJECT_SNAPSHOT,
                    force: true,
                })? {
                    deleted += n;
                }
            }
            Ok(deleted)
        });
        match deleted {
            Ok(deleted) => {
                let _ = write!(self.out, "\nNumber of shadow copies deleted: {deleted}\n");
                Flow::Continue
            }
            Err(hr) => self.failed(hr),
        }
    }

    /// `expose <shadowID> <target>`: persistent copies only (Microsoft's `expose` page).
    pub(super) fn expose(&mut self, shadow: &str, target: &str) -> Flow {
        let id = match parse_id(shadow) {
            Ok(id) => id,
            Err(hr) => return self.failed(hr),
        };
        let remote = target.starts_with("\\\\");
        let (expose, path) = if remote {
            let share = target
                .trim_start_matches('\\')
                .split('\\')
                .nth(1)
                .map(str::to_owned);
            (share, Some(String::new()))
        } else {
            (Some(target.to_owned()), None)
        };
        let attributes = if remote {
            Attributes::EXPOSED_REMOTELY
        } else {
            Attributes::EXPOSED_LOCALLY
        };
        let result = administer(&self.vss, |bc| {
            bc.call_ok(Call::ExposeSnapshot {
                snapshot: SnapshotId(id),
                path_from_root: path,
                attributes: attributes.0,
                expose,
            })
        });
        match result {
            Ok(()) => {
                let shown = if target.ends_with('\\') {
                    target.to_owned()
                } else {
                    format!("{target}\\")
                };
                let _ = writeln!(
                    self.out,
                    "The shadow copy was successfully exposed as {shown}."
                );
                Flow::Continue
            }
            Err(Hresult::VSS_E_OBJECT_ALREADY_EXISTS) if !remote && target.len() <= 3 => {
                self.out.push_str("The  drive letter is already in use.\n");
                Flow::Failed
            }
            Err(hr) => self.failed(hr),
        }
    }

    /// `unexpose <shadowID | drive: | share | mount point>` (Microsoft's `unexpose` page):
    /// `UnexposeSnapshot` of the copy named or exposed there. The success line is inferred.
    pub(super) fn unexpose(&mut self, target: &str) -> Flow {
        let copies = match self.query_all() {
            Ok(copies) => copies,
            Err(hr) => return self.failed(hr),
        };
        let bare = target.trim_end_matches('\\');
        let id = parse_id(target).ok();
        let found = copies.iter().find(|c| {
            Some(c.snapshot_id.0) == id
                || c.exposed_name.as_deref().is_some_and(|name| {
                    crate::vocab::same_path(name.trim_end_matches('\\'), bare)
                        || crate::vocab::same_path(&format!("\\\\{}", name), bare)
                })
        });
        let Some(copy) = found.cloned() else {
            return self.failed(Hresult::VSS_E_OBJECT_NOT_FOUND);
        };
        let result = administer(&self.vss, |bc| {
            bc.call_ok(Call::UnexposeSnapshot {
                snapshot: copy.snapshot_id,
            })
        });
        match result {
            Ok(()) => {
                let _ = writeln!(
                    self.out,
                    "The shadow copy {} was successfully unexposed.",
                    braced(copy.snapshot_id.0)
                );
                Flow::Continue
            }
            Err(hr) => self.failed(hr),
        }
    }

    pub(super) fn break_set(&mut self, set: &str) -> Flow {
        self.call_on_id(set, |id| Call::BreakSnapshotSet {
            set: SnapshotSetId(id),
        })
    }

    /// A command on one id (`break`, `mask`, `revert`): the id parsed, `call` made by an
    /// administrative requester; nothing printed on success, DiskShadow's failure lines
    /// otherwise.
    pub(super) fn call_on_id(&mut self, id: &str, call: impl FnOnce(uuid::Uuid) -> Call) -> Flow {
        let id = match parse_id(id) {
            Ok(id) => id,
            Err(hr) => return self.failed(hr),
        };
        match administer(&self.vss, |bc| bc.call_ok(call(id))) {
            Ok(()) => Flow::Continue,
            Err(hr) => self.failed(hr),
        }
    }

    pub(super) fn show_settings(&mut self) {
        let context = match (self.context, self.no_writers) {
            (DsContext::Persistent, false) => "PERSISTENT",
            (DsContext::Persistent, true) => "PERSISTENT NOWRITERS",
            (DsContext::Volatile, false) => "VOLATILE",
            (DsContext::Volatile, true) => "VOLATILE NOWRITERS",
            (DsContext::ClientAccessible, _) => "CLIENTACCESSIBLE",
        };
        let o = self.options;
        let options: Vec<&str> = [
            (o.differential, "DIFFERENTIAL"),
            (o.plex, "PLEX"),
            (o.transportable, "TRANSPORTABLE"),
            (o.rollback_recover, "ROLLBACKRECOVER"),
            (o.txf_recover, "TXFRECOVER"),
            (o.no_auto_recover, "NOAUTORECOVER"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, word)| *word)
        .collect();
        let _ = writeln!(self.out, "Context: {context}");
        let _ = writeln!(
            self.out,
            "Options: {}",
            if options.is_empty() {
                "(none)".to_owned()
            } else {
                options.join(" ")
            }
        );
        let _ = writeln!(
            self.out,
            "Verbose: {}",
            if self.verbose { "ON" } else { "OFF" }
        );
        let _ = writeln!(
            self.out,
            "Metadata file: {}",
            self.metadata.as_deref().unwrap_or("(default)")
        );
    }

    /// `add` without arguments (Microsoft's `add` page shows its output).
    pub(super) fn show_added(&mut self) {
        for added in &self.volumes {
            let guid = self
                .vss
                .volume_guid_path(&volume_name(&added.volume))
                .unwrap_or_default();
            let alias = added
                .alias
                .as_deref()
                .map(|a| format!(" alias {a}"))
                .unwrap_or_default();
            let _ = writeln!(self.out, "Volume {}{alias}    GUID {guid}", added.volume);
        }
        let n = self.volumes.len();
        let _ = writeln!(
            self.out,
            "{n} volume{} in Shadow Copy Set.",
            if n == 1 { "" } else { "s" }
        );
        if self.aliases.is_empty() {
            self.out
                .push_str("No Diskshadow aliases in the environment.\n");
        } else {
            for (name, value) in &self.aliases {
                let _ = writeln!(self.out, "Alias {name} = {value}");
            }
        }
    }
}
