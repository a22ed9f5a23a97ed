//! Traces as sequence diagrams: Mermaid (which GitHub renders in Markdown) and a self-contained
//! HTML timeline with one lane per party and the virtual clock.
//!
//! Both are drawn from the same messages: requester calls go from the requester's lane to VSS
//! and operations complete back to it; events go from VSS to a writer and the handler's answer
//! comes back; provider steps go from VSS to the provider; everything else (timers, states,
//! shadow copies) is a note on the lane it concerns. The words are [`Trace::render`]'s.

use std::fmt::Write as _;

use super::{Actor, Trace, TraceEvent};

/// A party of the diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Lane {
    Requester(u32),
    Vss,
    Writer(u32),
    Provider(u32),
}

/// How a record is drawn.
enum Shape {
    /// An arrow; `reply` arrows are dashed.
    Arrow { from: Lane, to: Lane, reply: bool },
    /// A note over one lane.
    Note(Lane),
}

struct Message {
    at_ms: u64,
    shape: Shape,
    text: String,
}

/// The lanes a record touches and how it is drawn.
fn shape(event: &TraceEvent) -> Option<Shape> {
    use Lane::{Provider, Requester, Vss, Writer};
    use TraceEvent as E;
    let r = |s: &crate::vocab::SessionNo| Requester(s.0);
    Some(match event {
        E::Policies(_) | E::Os(_) | E::WriterRegistered { .. } | E::ProviderRegistered { .. } => {
            return None
        }
        E::Called { session, .. } => Shape::Arrow {
            from: r(session),
            to: Vss,
            reply: false,
        },
        E::AsyncCompleted { session, .. }
        | E::MetadataReported { session, .. }
        | E::StatusReported { session, .. }
        | E::SnapshotsListed { session, .. } => Shape::Arrow {
            from: Vss,
            to: r(session),
            reply: true,
        },
        E::SessionCreated { session }
        | E::AsyncStarted { session, .. }
        | E::SetCreationStarted { session, .. }
        | E::SetCreationEnded { session, .. }
        | E::SnapshotsDeleted { session, .. }
        | E::ShadowCopyCreated { session, .. }
        | E::ShadowCopyDeleted { session, .. }
        | E::ShadowCopyExposed { session, .. }
        | E::ShadowCopyUnexposed { session, .. }
        | E::SnapshotSetBroken { session, .. }
        | E::VolumeReverted { session, .. }
        | E::AbortRaised { session, .. } => Shape::Note(r(session)),
        E::Delivered { writer, .. } => Shape::Arrow {
            from: Vss,
            to: Writer(writer.0),
            reply: false,
        },
        E::Handled { writer, .. } => Shape::Arrow {
            from: Writer(writer.0),
            to: Vss,
            reply: true,
        },
        E::Queried { writer, .. } => Shape::Arrow {
            from: Writer(writer.0),
            to: Vss,
            reply: false,
        },
        E::WriterDropped { writer, .. }
        | E::StateChanged { writer, .. }
        | E::HandlerTimedOut { writer, .. }
        | E::WriterRestarted { writer }
        | E::WriterStopped { writer }
        | E::WriterStarted { writer }
        | E::WriterStatusCarried { writer, .. } => Shape::Note(Writer(writer.0)),
        E::ProviderCalled { provider, .. } => Shape::Arrow {
            from: Vss,
            to: Provider(provider.0),
            reply: false,
        },
        E::Busy { actor, .. } | E::WaitStarted { actor, .. } | E::WaitEnded { actor, .. } => {
            Shape::Note(actor_lane(*actor))
        }
        E::SignalSet { by, .. } | E::SignalReset { by, .. } => Shape::Note(actor_lane(*by)),
        E::TimerSet { .. }
        | E::TimerStopped { .. }
        | E::TimerFired { .. }
        | E::BoundReached { .. }
        | E::ServiceRestarted
        | E::ShadowCopyPurged { .. }
        | E::ShadowCopyCarried { .. }
        | E::UserCodePanicked { .. } => Shape::Note(Vss),
    })
}

fn actor_lane(actor: Actor) -> Lane {
    match actor {
        Actor::Writer { writer, .. } => Lane::Writer(writer.0),
        Actor::Provider { provider, .. } => Lane::Provider(provider.0),
        _ => Lane::Vss,
    }
}

/// A rendered line without its leading actor column (`requester#0  DoSnapshotSet -> S_OK`
/// becomes `DoSnapshotSet -> S_OK`), since the lane shows the actor.
fn message_text(line: &str) -> &str {
    match line.split_once("  ") {
        Some((_, rest)) if !rest.trim().is_empty() => rest.trim_start(),
        _ => line,
    }
}

impl Trace {
    fn messages(&self) -> (Vec<Message>, Vec<(Lane, String)>) {
        let mut lanes: Vec<(Lane, String)> = vec![(Lane::Vss, "VSS".to_owned())];
        for record in self.records() {
            match &record.event {
                TraceEvent::WriterRegistered { writer, name, .. } => {
                    lanes.push((Lane::Writer(writer.0), name.clone()));
                }
                TraceEvent::ProviderRegistered { provider, name, .. } => {
                    lanes.push((Lane::Provider(provider.0), name.clone()));
                }
                TraceEvent::SessionCreated { session } => {
                    lanes.push((
                        Lane::Requester(session.0),
                        format!("requester#{}", session.0),
                    ));
                }
                _ => {}
            }
        }
        lanes.sort_by_key(|(lane, _)| *lane);
        lanes.dedup_by_key(|(lane, _)| *lane);
        let messages = self
            .rendered_lines()
            .into_iter()
            .filter_map(|(at_ms, event, line)| {
                let shape = shape(event)?;
                Some(Message {
                    at_ms,
                    shape,
                    text: message_text(&line).to_owned(),
                })
            })
            .collect();
        (messages, lanes)
    }

    /// The trace as a Mermaid sequence diagram (` ```mermaid ` in Markdown; GitHub renders it):
    /// one participant per requester, VSS, writer and provider; each message carries its
    /// virtual time.
    ///
    /// ```
    /// let vss = vss_sim::requester::Vss::builder().build();
    /// drop(vss.backup_components().initialize_for_backup());
    /// let mermaid = vss.trace().render_mermaid();
    /// assert!(mermaid.starts_with("sequenceDiagram\n"));
    /// assert!(mermaid.contains("R0->>VSS: [0 ms] InitializeForBackup -> S_OK"));
    /// ```
    pub fn render_mermaid(&self) -> String {
        let (messages, lanes) = self.messages();
        let mut out = String::from("sequenceDiagram\n");
        for (lane, name) in &lanes {
            let _ = writeln!(
                out,
                "    participant {} as {}",
                lane_id(*lane),
                mermaid_escape(name)
            );
        }
        for message in &messages {
            let text = mermaid_escape(&format!("[{} ms] {}", message.at_ms, message.text));
            let _ = match message.shape {
                Shape::Arrow { from, to, reply } => writeln!(
                    out,
                    "    {}{}{}: {text}",
                    lane_id(from),
                    if reply { "-->>" } else { "->>" },
                    lane_id(to)
                ),
                Shape::Note(lane) => writeln!(out, "    Note over {}: {text}", lane_id(lane)),
            };
        }
        out
    }

    /// The trace as one self-contained HTML page (no script, no external resource): a timeline
    /// with the virtual clock down the left and one lane per party, each record in the lane of
    /// the party that acted, arrows naming the party they went to.
    ///
    /// ```
    /// let vss = vss_sim::requester::Vss::builder().build();
    /// drop(vss.backup_components().initialize_for_backup());
    /// let html = vss.trace().render_html("a backup");
    /// assert!(html.starts_with("<!DOCTYPE html>"));
    /// assert!(html.contains("InitializeForBackup -&gt; S_OK"));
    /// ```
    pub fn render_html(&self, title: &str) -> String {
        let (messages, lanes) = self.messages();
        let column = |lane: Lane| lanes.iter().position(|(l, _)| *l == lane).unwrap_or(0);
        let name = |lane: Lane| {
            lanes
                .iter()
                .find(|(l, _)| *l == lane)
                .map_or("?", |(_, n)| n.as_str())
        };
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
             <style>\nbody {{ font: 13px/1.4 system-ui, sans-serif; margin: 1em; }}\n\
             table {{ border-collapse: collapse; }}\n\
             th, td {{ border-left: 1px solid #ccc; padding: 2px 8px; vertical-align: top; }}\n\
             th {{ position: sticky; top: 0; background: #f4f4f4; }}\n\
             td.t {{ text-align: right; color: #666; white-space: nowrap; }}\n\
             .call {{ color: #05a; }} .reply {{ color: #070; }} .note {{ color: #555; font-style: italic; }}\n\
             </style>\n</head>\n<body>\n<h1>{}</h1>\n<table>\n<tr><th>virtual time</th>",
            html_escape(title),
            html_escape(title)
        );
        for (_, lane_name) in &lanes {
            let _ = write!(out, "<th>{}</th>", html_escape(lane_name));
        }
        out.push_str("</tr>\n");
        for message in &messages {
            let (lane, class, text) = match message.shape {
                Shape::Arrow { from, to, reply } => (
                    from,
                    if reply { "reply" } else { "call" },
                    format!("→ {}: {}", name(to), message.text),
                ),
                Shape::Note(lane) => (lane, "note", message.text.clone()),
            };
            let _ = write!(out, "<tr><td class=\"t\">{} ms</td>", message.at_ms);
            for index in 0..lanes.len() {
                if index == column(lane) {
                    let _ = write!(out, "<td class=\"{class}\">{}</td>", html_escape(&text));
                } else {
                    out.push_str("<td></td>");
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n</body>\n</html>\n");
        out
    }
}

fn lane_id(lane: Lane) -> String {
    match lane {
        Lane::Requester(n) => format!("R{n}"),
        Lane::Vss => "VSS".to_owned(),
        Lane::Writer(n) => format!("W{n}"),
        Lane::Provider(n) => format!("P{n}"),
    }
}

/// Mermaid reads `#…;` as an entity, `;` as a statement end and `<` as the start of an HTML
/// tag: they become entity codes.
fn mermaid_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '<' => out.push_str("#lt;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}
