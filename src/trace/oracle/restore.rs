//! Restore (spec §9, R78–R84): who receives PreRestore and PostRestore, the document a restore
//! loads, and the restoring requester's duties.
//!
//! * **R79** (engine): `InitializeForRestore` succeeds exactly when its document loads
//!   (`xml::bcd::load`), and fails with `VSS_E_INVALID_XML_DOCUMENT` otherwise.
//! * **R81** (engine): in component mode, PreRestore and PostRestore reach only writers with a
//!   component selected for restore (`SetSelectedForRestore(…, true)` or
//!   `AddRestoreSubcomponent`, last call winning) when PreRestore was called. A component
//!   matches a writer by class, and by instance too when the call named one.
//! * **R82** (engine): when PreRestore finishes, every such writer identified in the session
//!   and still in it (not dropped, not restarted, not past a handler VSS gave up on) received it
//!   — for a component selected by class, one instance of the class.
//! * **R83** (engine): when PostRestore finishes, every writer that received PreRestore and is
//!   still in the session received it. (requester) The object is not released between
//!   PreRestore and the end of PostRestore, unless PreRestore failed or was cancelled: writers
//!   left prepared for a restore that never finishes (a crash is not the requester's
//!   decision).
//! * **R78** (requester): PostRestore is called only after `SetFileRestoreStatus` for every
//!   component selected for restore ("Requesters must set a restore status … for every
//!   component … explicitly added for restore", `VSS_FILE_RESTORE_STATUS`).
//!
//! R56 (no Abort in a restore) is judged by the abort-cause family; R84's states by the state
//! family, with T2's restore rows.

use super::model::Stamp;
use super::tables::{VecMap, VecSet};
use super::{Cx, Rules, Situation};
use crate::trace::{DropReason, SessionNo, TraceEvent, WriterNo};
use crate::vocab::{AsyncKind, Call, ComponentKey, Hresult, Rule, WriterEvent};

/// The rules this family judges.
pub(super) const RULES: &[Rule] = &[Rule::R78, Rule::R79, Rule::R81, Rule::R82, Rule::R83];

/// The restore rules.
#[derive(Debug, Default)]
pub(super) struct RestoreRules {
    sessions: VecMap<SessionNo, Restore>,
}

/// What one restoring session did.
#[derive(Debug, Default)]
struct Restore {
    component_mode: bool,
    /// `SetSelectedForRestore`, in order (the last for a component wins), after what the loaded
    /// document itself said (`selectedForRestore`).
    selections: Vec<(ComponentKey, bool)>,
    /// Components with a subcomponent added (`AddRestoreSubcomponent`, or in the loaded
    /// document): they count as restored whatever their own selection says.
    with_subcomponents: Vec<ComponentKey>,
    /// Components with a `SetFileRestoreStatus`.
    statuses: Vec<ComponentKey>,
    /// The writers that had a selected component when PreRestore was called.
    selected_writers: Option<VecSet<WriterNo>>,
    /// Those of them whose every matching selection named the class (`GUID_NULL`), not them:
    /// one instance of the class is enough (R82).
    selected_by_class: VecSet<WriterNo>,
    pre_restore: Option<Stamp>,
    /// PreRestore ended without finishing (failed or cancelled): no PostRestore can follow.
    pre_restore_failed: bool,
    post_restore_done: bool,
    got_pre: VecSet<WriterNo>,
    got_post: VecSet<WriterNo>,
}

impl Restore {
    /// The components selected for restore now (the last call for each wins), and those with
    /// a subcomponent added.
    fn selected(&self) -> Vec<&ComponentKey> {
        let mut selected: Vec<&ComponentKey> = Vec::new();
        for (key, on) in &self.selections {
            selected.retain(|k| !same(k, key));
            if *on {
                selected.push(key);
            }
        }
        selected.extend(&self.with_subcomponents);
        selected
    }
}

/// Same writer class, logical path and name, and the same instance unless either names the
/// class (`GUID_NULL`).
fn same(a: &ComponentKey, b: &ComponentKey) -> bool {
    a.writer_id == b.writer_id
        && (a.instance_id == b.instance_id || a.instance_id.is_null() || b.instance_id.is_null())
        && a.logical_path.as_deref().filter(|p| !p.is_empty())
            == b.logical_path.as_deref().filter(|p| !p.is_empty())
        && a.name == b.name
}

impl Rules for RestoreRules {
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        match event {
            TraceEvent::Called { session, call, hr } => self.called(cx, *session, call, *hr),
            TraceEvent::Delivered {
                session,
                writer,
                event: event @ (WriterEvent::PreRestore | WriterEvent::PostRestore),
                ..
            } => self.delivered(cx, *session, *writer, *event),
            TraceEvent::WriterDropped {
                session,
                reason: DropReason::NothingSelected,
                ..
            } if self.sessions.contains_key(session) => {
                cx.cover(Situation::NothingSelectedForRestore);
            }
            TraceEvent::AsyncCompleted {
                session,
                kind: kind @ (AsyncKind::PreRestore | AsyncKind::PostRestore),
                hr: Hresult::VSS_S_ASYNC_FINISHED,
                ..
            } => self.finished(cx, *session, *kind),
            TraceEvent::AsyncCompleted {
                session,
                kind: AsyncKind::PreRestore,
                ..
            } => {
                if let Some(restore) = self.sessions.get_mut(session) {
                    restore.pre_restore_failed = true;
                }
            }
            _ => {}
        }
    }
}

impl RestoreRules {
    fn called(&mut self, cx: &mut Cx<'_>, s: SessionNo, call: &Call, hr: Hresult) {
        let at = cx.now.at_ms;
        if let Call::InitializeForRestore { bcd } = call {
            let loaded = crate::xml::bcd::load(bcd);
            match (&loaded, hr.is_success()) {
                (Ok(doc), true) => {
                    let mut restore = Restore {
                        component_mode: doc.backup_state.select_components,
                        ..Restore::default()
                    };
                    // A document saved during a restore carries its selection (R113).
                    for entry in &doc.writers {
                        for c in &entry.components {
                            let key = ComponentKey {
                                instance_id: crate::vocab::WriterInstanceId::NULL,
                                ..entry.key(c)
                            };
                            if !c.restore_subcomponents.is_empty() {
                                restore.with_subcomponents.push(key.clone());
                            }
                            if let Some(on) = c.selected_for_restore {
                                restore.selections.push((key, on));
                            }
                        }
                    }
                    self.sessions.insert(s, restore);
                }
                (Err(error), true) => cx.engine(
                    Rule::R79,
                    format!(
                        "{s}'s InitializeForRestore at {at} ms succeeded with a document that \
                         does not load: {error}"
                    ),
                ),
                (Ok(_), false) if hr == Hresult::VSS_E_INVALID_XML_DOCUMENT => cx.engine(
                    Rule::R79,
                    format!(
                        "{s}'s InitializeForRestore at {at} ms returned {hr} for a document \
                         that loads"
                    ),
                ),
                _ => {}
            }
            return;
        }
        let Some(restore) = self.sessions.get_mut(&s) else {
            return;
        };
        if hr.is_failure() {
            return;
        }
        match call {
            Call::SetSelectedForRestore {
                component,
                selected,
            } => restore.selections.push((component.clone(), *selected)),
            Call::AddRestoreSubcomponent { component, .. } => {
                restore.with_subcomponents.push(component.clone());
            }
            Call::SetFileRestoreStatus { component, .. } => {
                restore.statuses.push(component.clone());
            }
            Call::PreRestore => {
                let selected: Vec<ComponentKey> = restore.selected().into_iter().cloned().collect();
                let mut writers = VecSet::default();
                for (writer, info) in &cx.model.writers {
                    let matching = selected.iter().filter(|key| {
                        key.writer_id == info.class_id
                            && (key.instance_id.is_null() || key.instance_id == info.instance_id)
                    });
                    let mut any = false;
                    let mut by_instance = false;
                    for key in matching {
                        any = true;
                        by_instance |= !key.instance_id.is_null();
                    }
                    if any {
                        writers.insert(*writer);
                        if !by_instance {
                            restore.selected_by_class.insert(*writer);
                        }
                    }
                }
                restore.selected_writers = Some(writers);
                restore.pre_restore = Some(cx.now);
            }
            Call::PostRestore => {
                let missing: Vec<String> = restore
                    .selected()
                    .into_iter()
                    .filter(|key| !restore.statuses.iter().any(|k| same(k, key)))
                    .map(|key| key.name.clone())
                    .collect();
                if !missing.is_empty() {
                    cx.requester(
                        Rule::R78,
                        format!(
                            "{s} called PostRestore at {at} ms without SetFileRestoreStatus for \
                             {} selected for restore",
                            missing.join(", ")
                        ),
                    );
                }
            }
            Call::Release
                if restore.pre_restore.is_some()
                    && !restore.pre_restore_failed
                    && !restore.post_restore_done
                    && !cx.model.lost(s) =>
            {
                cx.requester(
                    Rule::R83,
                    format!(
                        "{s} was released at {at} ms before its writers finished PostRestore \
                         (PreRestore was raised)"
                    ),
                );
            }
            _ => {}
        }
    }

    fn delivered(&mut self, cx: &mut Cx<'_>, s: SessionNo, w: WriterNo, event: WriterEvent) {
        let Some(restore) = self.sessions.get_mut(&s) else {
            return;
        };
        if event == WriterEvent::PreRestore {
            restore.got_pre.insert(w);
        } else {
            restore.got_post.insert(w);
            cx.cover(Situation::PostRestore);
        }
        let selected = restore
            .selected_writers
            .as_ref()
            .is_none_or(|writers| writers.contains(&w));
        if restore.component_mode && !selected {
            let at = cx.now.at_ms;
            cx.engine(
                Rule::R81,
                format!(
                    "{} received {} for {s} at {at} ms with none of its components selected \
                     for restore",
                    cx.model.writer(w),
                    event.handler_name()
                ),
            );
        }
    }

    fn finished(&mut self, cx: &mut Cx<'_>, s: SessionNo, kind: AsyncKind) {
        let Some(restore) = self.sessions.get_mut(&s) else {
            return;
        };
        let Some(session) = cx.model.session(s) else {
            return;
        };
        let still_in = |w: &WriterNo| {
            session.writers.get(w).is_some_and(|part| {
                part.identify_ok
                    && part.not_responding.is_none()
                    && !part.dropped_for(DropReason::Restarted)
                    && !part.dropped_for(DropReason::IdentifyFailed)
                    && !part.dropped_for(DropReason::ClassDisabled)
            })
        };
        let (rule, owed, got, name): (Rule, Vec<WriterNo>, &VecSet<WriterNo>, &str) =
            if kind == AsyncKind::PreRestore {
                let owed = if restore.component_mode {
                    restore
                        .selected_writers
                        .iter()
                        .flat_map(|w| w.into_iter().copied())
                        .filter(still_in)
                        .collect()
                } else {
                    session
                        .writers
                        .iter()
                        .map(|(w, _)| *w)
                        .filter(still_in)
                        .collect()
                };
                (Rule::R82, owed, &restore.got_pre, "PreRestore")
            } else {
                restore.post_restore_done = true;
                let owed = restore
                    .got_pre
                    .into_iter()
                    .copied()
                    .filter(still_in)
                    .collect();
                (Rule::R83, owed, &restore.got_post, "PostRestore")
            };
        let at = cx.now.at_ms;
        // R82: a component selected by class (`GUID_NULL` instance) reaches one instance of the
        // class: another instance of it having the event is enough.
        let class = |w: &WriterNo| cx.model.writers.get(w).map(|info| info.class_id);
        let by_class = &restore.selected_by_class;
        let missing: Vec<WriterNo> = owed
            .iter()
            .copied()
            .filter(|w| !got.contains(w))
            .filter(|w| {
                rule != Rule::R82
                    || !by_class.contains(w)
                    || !got.into_iter().any(|g| class(g) == class(w))
            })
            .collect();
        for w in missing {
            cx.engine(
                rule,
                format!(
                    "{s}'s {name} finished at {at} ms but {} never received it",
                    cx.model.writer(w)
                ),
            );
        }
    }
}
