//! The test kit's workload, shared by `benches/testkit.rs` and
//! `examples/instruction_counts.rs` (`testkit`): a journaling writer that stops writes in
//! OnFreeze and resumes them after, and its conformance run.

use vss_sim::testkit::WriterConformance;
use vss_sim::vocab::{ComponentType, RestoreMethod, SnapshotSetId};
use vss_sim::writer::{HandlerContext, Writer, WriterMetadata};

#[derive(Default)]
pub(crate) struct Journal {
    frozen: bool,
}

impl Writer for Journal {
    fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        md.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
        md.add_component(ComponentType::VSS_CT_FILEGROUP, None, "journal");
        true
    }
    fn on_prepare_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
    fn on_freeze(&mut self, _: &mut HandlerContext<'_>) -> bool {
        self.frozen = true;
        true
    }
    fn on_thaw(&mut self, _: &mut HandlerContext<'_>) -> bool {
        self.frozen = false;
        true
    }
    fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
        self.frozen = false;
        true
    }
    fn on_backup_shutdown(&mut self, _: &mut HandlerContext<'_>, _: SnapshotSetId) -> bool {
        self.frozen = false;
        true
    }
}

/// The writer's whole catalogue, with its probe.
pub(crate) fn kit() -> WriterConformance<Journal> {
    WriterConformance::new(Journal::default).probe("accepts writes", |j: &Journal| !j.frozen)
}
