//! The axes of a backup the writer under test read ([`Axis`]), and the values the run exercised
//! for each: the report's "axes" line, and a warning for an axis a handler read while every
//! backup of the run had the same value (a code path the run never took).

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use crate::vocab::WriterEvent;
use crate::writer::{Axis, HandlerContext};

/// What the run exercised along one axis, and which of the writer's handlers read it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AxisCoverage {
    /// The axis.
    pub axis: Axis,
    /// The distinct values the writer's backups had, in words, in the order first seen.
    pub values: Vec<String>,
    /// The handlers that read the axis (`OnPrepareBackup`, …), in the order first seen; empty
    /// when none did.
    pub read_in: Vec<WriterEvent>,
}

impl AxisCoverage {
    /// Whether the run gave the axis more than one value.
    pub fn varied(&self) -> bool {
        self.values.len() > 1
    }

    /// The warning for an axis a handler read while the run held it constant; `None` when the
    /// axis varied or no handler read it.
    pub(crate) fn warning(&self, pinned_by: Option<&str>) -> Option<String> {
        if self.varied() || self.read_in.is_empty() {
            return None;
        }
        let handlers: Vec<String> = self.read_in.iter().map(|e| format!("On{e}")).collect();
        let held = match self.values.first() {
            Some(value) => format!("every backup of the run had `{value}`"),
            None => "no backup of the run reached the point where it is set".to_owned(),
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

/// Per axis (indexed by the axis): the events whose handlers read it, and the distinct values
/// seen (a key, and the value in words, made only for a new key).
#[derive(Debug, Default)]
pub(crate) struct AxisLog {
    read_in: [Vec<WriterEvent>; AXES],
    values: [Vec<(u64, String)>; AXES],
}

impl AxisLog {
    /// After a handler (segment) of the writer under test: the axes it read, and the values of
    /// the axes its event settles. Each value is taken where it is final: the context, the
    /// backup state and the selection at PrepareForBackup, the volumes at PrepareForSnapshot,
    /// the device names at PostSnapshot, the restore type at PreRestore.
    pub(crate) fn note(&mut self, ctx: &HandlerContext<'_>) {
        let event = ctx.event();
        for axis in ctx.axes_read().iter() {
            let read_in = &mut self.read_in[axis as usize];
            if !read_in.contains(&event) {
                read_in.push(event);
            }
        }
        let view = ctx.view();
        match event {
            WriterEvent::PrepareForBackup => {
                let context = view.context;
                self.sample(Axis::Context, u64::from(context.base.value()), || {
                    format!("{:?}", context.base)
                });
                self.sample(Axis::Attributes, u64::from(context.modifiers.0), || {
                    context.modifiers.to_string()
                });
                let state = view.backup_state;
                self.sample(Axis::BackupType, state.backup_type as u64, || {
                    format!("{:?}", state.backup_type)
                });
                self.sample(
                    Axis::PartialFileSupport,
                    u64::from(state.partial_file_support),
                    || state.partial_file_support.to_string(),
                );
                self.sample(
                    Axis::BootableSystemState,
                    u64::from(state.bootable_system_state),
                    || state.bootable_system_state.to_string(),
                );
                let components = view.components;
                let mut key = DefaultHasher::new();
                components.map(|c| c.len()).hash(&mut key);
                for component in components.unwrap_or_default() {
                    (&component.logical_path, &component.name).hash(&mut key);
                }
                self.sample(
                    Axis::SelectedComponents,
                    key.finish(),
                    || match components {
                        None => "not in component mode".to_owned(),
                        Some([]) => "none of its components".to_owned(),
                        Some(components) => components
                            .iter()
                            .map(|c| match &c.logical_path {
                                Some(path) => format!("{path}\\{}", c.name),
                                None => c.name.clone(),
                            })
                            .collect::<Vec<_>>()
                            .join(", "),
                    },
                );
            }
            WriterEvent::PrepareForSnapshot | WriterEvent::PostSnapshot => {
                let axis = if event == WriterEvent::PostSnapshot {
                    Axis::DeviceNames
                } else {
                    Axis::Volumes
                };
                let mut key = DefaultHasher::new();
                for volume in view.volumes {
                    for byte in volume.volume.bytes() {
                        key.write_u8(byte.to_ascii_lowercase());
                    }
                    key.write_u8(0);
                }
                self.sample(axis, key.finish(), || {
                    let volumes: Vec<&str> =
                        view.volumes.iter().map(|v| v.volume.as_str()).collect();
                    match axis {
                        Axis::DeviceNames => format!("copies of {}", volumes.join(", ")),
                        _ => volumes.join(", "),
                    }
                });
            }
            WriterEvent::PreRestore => {
                let restore_type = view.restore_type.unwrap_or_default();
                self.sample(Axis::RestoreType, restore_type as u64, || {
                    format!("{restore_type:?}")
                });
            }
            _ => {}
        }
    }

    fn sample(&mut self, axis: Axis, key: u64, words: impl FnOnce() -> String) {
        let values = &mut self.values[axis as usize];
        if !values.iter().any(|(k, _)| *k == key) {
            values.push((key, words()));
        }
    }

    /// What the run exercised along every axis, in [`Axis::ALL`]'s order.
    pub(crate) fn coverage(&self) -> Vec<AxisCoverage> {
        Axis::ALL
            .into_iter()
            .map(|axis| AxisCoverage {
                axis,
                values: self.values[axis as usize]
                    .iter()
                    .map(|(_, words)| words.clone())
                    .collect(),
                read_in: self.read_in[axis as usize].clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coverage(values: &[&str], read_in: &[WriterEvent]) -> AxisCoverage {
        AxisCoverage {
            axis: Axis::Volumes,
            values: values.iter().map(|v| (*v).to_owned()).collect(),
            read_in: read_in.to_vec(),
        }
    }

    #[test]
    fn an_axis_read_but_held_constant_is_warned_about_naming_the_handlers_and_calls() {
        let held = coverage(&["C:\\"], &[WriterEvent::PrepareForSnapshot]);
        let warning = held.warning(Some(".volumes([…])")).unwrap();
        assert_eq!(
            warning,
            "OnPrepareForSnapshot read the volumes in the set (GetCurrentVolumeArray / \
             IsPathAffected), but every backup of the run had `C:\\`: its code for other values \
             never ran; the test pins it with `.volumes([…])`"
        );
        assert_eq!(
            coverage(&["C:\\", "C:\\, E:\\"], &[WriterEvent::Freeze]).warning(None),
            None
        );
        assert_eq!(coverage(&["C:\\"], &[]).warning(None), None);
    }
}
