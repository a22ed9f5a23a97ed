//! The axes of a backup the writer under test read ([`Axis`]), and the values the run exercised
//! for each: the report's "axes" line, and a warning for an axis a handler read while every
//! backup of the run had the same value (a code path the run never took).

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use crate::vocab::{ComponentKey, WriterEvent};
use crate::writer::{Axis, EventView, HandlerContext};

/// What the run exercised along one axis, and which of the writer's handlers read it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct AxisCoverage {
    /// The axis.
    pub axis: Axis,
    /// The distinct values the writer's backups had, in words, in the order first seen.
    pub values: Vec<String>,
    /// The handlers that read the axis (`PrepareForBackup` for `OnPrepareBackup`, …), in the
    /// order first seen; empty when none did.
    pub read_in: Vec<WriterEvent>,
    /// Of those, the handlers that saw one value only whenever they read it, with that value:
    /// the code for the axis's other values never ran there.
    pub held_for: Vec<(WriterEvent, String)>,
}

impl AxisCoverage {
    /// Whether the run gave the axis more than one value.
    pub fn varied(&self) -> bool {
        self.values.len() > 1
    }

    /// The warning for an axis a handler read while the run held it constant there; `None`
    /// when every handler that read it saw it vary.
    pub(crate) fn warning(&self, pinned_by: Option<&str>) -> Option<String> {
        let (_, first) = self.held_for.first()?;
        let same = self.held_for.iter().all(|(_, value)| value == first);
        let handlers: Vec<String> = self
            .held_for
            .iter()
            .map(|(event, value)| match same {
                true => event.handler_name().to_owned(),
                false => format!("{} (`{value}`)", event.handler_name()),
            })
            .collect();
        let held = match same {
            true => format!("every backup of the run had `{first}` there"),
            false => "each saw one value in every backup of the run".to_owned(),
        };
        let hint = match pinned_by {
            Some(setting) => format!("; the test pins it with `{setting}`"),
            None => String::new(),
        };
        Some(format!(
            "{} read the {} ({}), but {held}: its code for other values never ran{hint}",
            handlers.join(", "),
            self.axis,
            self.axis.calls(),
        ))
    }
}

/// The log a run's writers share: which axes each handler read, and the values seen.
pub(crate) type SharedAxisLog = Rc<RefCell<AxisLog>>;

const AXES: usize = Axis::ALL.len();

/// The values one handler saw of one axis when it read it: keys, and the first in words.
#[derive(Debug)]
struct Reads {
    event: WriterEvent,
    keys: Vec<u64>,
    first: String,
}

/// Per axis (indexed by the axis): the distinct values the backups had (a key, and the value in
/// words, made only for a new key), and what each handler that read it saw.
#[derive(Debug, Default)]
pub(crate) struct AxisLog {
    values: [Vec<(u64, String)>; AXES],
    reads: [Vec<Reads>; AXES],
}

impl AxisLog {
    /// After a handler (segment) of the writer under test: what it read, with the values it
    /// saw, and the values of the axes its event settles. Each axis's value for the run is
    /// taken where it is final: the context, the backup state and the selection at
    /// PrepareForBackup, the volumes at PrepareForSnapshot, the device names at PostSnapshot,
    /// the restore type at PreRestore.
    pub(crate) fn note(&mut self, ctx: &HandlerContext<'_>) {
        let event = ctx.event();
        let view = ctx.view();
        for axis in ctx.axes_read().iter() {
            let key = key(axis, view);
            let reads = &mut self.reads[axis as usize];
            match reads.iter_mut().find(|r| r.event == event) {
                Some(read) if !read.keys.contains(&key) => read.keys.push(key),
                Some(_) => {}
                None => reads.push(Reads {
                    event,
                    keys: vec![key],
                    first: words(axis, view),
                }),
            }
        }
        let settled: &[Axis] = match event {
            WriterEvent::PrepareForBackup => &[
                Axis::Context,
                Axis::Attributes,
                Axis::BackupType,
                Axis::PartialFileSupport,
                Axis::BootableSystemState,
                Axis::SelectedComponents,
            ],
            WriterEvent::PrepareForSnapshot => &[Axis::Volumes],
            WriterEvent::PostSnapshot => &[Axis::DeviceNames],
            WriterEvent::PreRestore => &[Axis::RestoreType],
            _ => &[],
        };
        for &axis in settled {
            let key = key(axis, view);
            let values = &mut self.values[axis as usize];
            if !values.iter().any(|(k, _)| *k == key) {
                values.push((key, words(axis, view)));
            }
        }
    }

    /// What the run exercised along every axis, in [`Axis::ALL`]'s order.
    pub(crate) fn coverage(&self) -> Vec<AxisCoverage> {
        Axis::ALL
            .iter()
            .map(|&axis| {
                let reads = &self.reads[axis as usize];
                AxisCoverage {
                    axis,
                    values: self.values[axis as usize]
                        .iter()
                        .map(|(_, words)| words.clone())
                        .collect(),
                    read_in: reads.iter().map(|r| r.event).collect(),
                    held_for: reads
                        .iter()
                        .filter(|r| r.keys.len() < 2)
                        .map(|r| (r.event, r.first.clone()))
                        .collect(),
                }
            })
            .collect()
    }
}

/// A key for the value of `axis` in `view`: equal keys, equal values.
fn key(axis: Axis, view: &EventView<'_>) -> u64 {
    let state = view.backup_state;
    match axis {
        Axis::Context => u64::from(view.context.base.value()),
        Axis::Attributes => u64::from(view.context.modifiers.0),
        Axis::BackupType => state.backup_type as u64,
        Axis::PartialFileSupport => u64::from(state.partial_file_support),
        Axis::BootableSystemState => u64::from(state.bootable_system_state),
        Axis::RestoreType => view.restore_type.unwrap_or_default() as u64,
        Axis::SelectedComponents => {
            let mut key = DefaultHasher::new();
            view.components.map(<[_]>::len).hash(&mut key);
            for component in view.components.unwrap_or_default() {
                (&component.logical_path, &component.name).hash(&mut key);
            }
            key.finish()
        }
        Axis::Volumes | Axis::DeviceNames => {
            let mut key = DefaultHasher::new();
            for volume in view.volumes {
                for byte in volume.volume.bytes() {
                    key.write_u8(byte.to_ascii_lowercase());
                }
                key.write_u8(0);
            }
            key.finish()
        }
    }
}

/// The value of `axis` in `view`, in words.
fn words(axis: Axis, view: &EventView<'_>) -> String {
    let state = view.backup_state;
    let volumes = || {
        let names: Vec<&str> = view.volumes.iter().map(|v| v.volume.as_str()).collect();
        match names.is_empty() {
            true => "no volume yet".to_owned(),
            false => names.join(", "),
        }
    };
    match axis {
        Axis::Context => format!("{:?}", view.context.base),
        Axis::Attributes => view.context.modifiers.to_string(),
        Axis::BackupType => format!("{:?}", state.backup_type),
        Axis::PartialFileSupport => state.partial_file_support.to_string(),
        Axis::BootableSystemState => state.bootable_system_state.to_string(),
        Axis::RestoreType => format!("{:?}", view.restore_type.unwrap_or_default()),
        Axis::SelectedComponents => match view.components {
            None if !state.select_components => "not in component mode".to_owned(),
            None => "no IVssWriterComponents in this handler".to_owned(),
            Some([]) => "none of its components".to_owned(),
            Some(components) => components
                .iter()
                .map(ComponentKey::full_path)
                .collect::<Vec<_>>()
                .join(", "),
        },
        Axis::Volumes => volumes(),
        Axis::DeviceNames => format!("copies of {}", volumes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coverage(values: &[&str], held_for: &[WriterEvent]) -> AxisCoverage {
        AxisCoverage {
            axis: Axis::Volumes,
            values: values.iter().map(|v| (*v).to_owned()).collect(),
            read_in: held_for.to_vec(),
            held_for: held_for
                .iter()
                .map(|e| (*e, values[0].to_owned()))
                .collect(),
        }
    }

    #[test]
    fn an_axis_read_but_held_constant_is_warned_about_naming_the_handlers_and_calls() {
        let held = coverage(&["C:\\"], &[WriterEvent::PrepareForSnapshot]);
        let warning = held.warning(Some(".volumes([…])")).unwrap();
        assert_eq!(
            warning,
            "OnPrepareSnapshot read the volumes in the set (GetCurrentVolumeArray / \
             IsPathAffected), but every backup of the run had `C:\\` there: its code for other \
             values never ran; the test pins it with `.volumes([…])`"
        );
        assert_eq!(coverage(&["C:\\", "C:\\, E:\\"], &[]).warning(None), None);
    }
}
