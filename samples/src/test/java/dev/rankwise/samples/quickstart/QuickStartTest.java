package dev.rankwise.samples.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the quick start end to end: the processor-generated adapters of both declarations attach,
 * train well above the frozen base, merge exactly and reload from their files.
 */
class QuickStartTest {

  @Test
  void bothDeclarationsFineTuneMergeAndReload(@TempDir Path output) throws Exception {
    List<QuickStart.Row> rows = QuickStart.run(output);

    assertEquals(2, rows.size());
    for (QuickStart.Row row : rows) {
      assertTrue(row.before() < 0.65, row + ": the frozen base should be near chance");
      assertTrue(row.after() > 0.9, row + ": fine-tuning should solve the shifted task");
      assertTrue(row.mergeGap() < 1e-5, row + ": merged and unmerged outputs should agree");
      assertTrue(row.reloaded(), row + ": reloaded adapters should reproduce the model");
    }
    assertEquals(List.of("hidden", "output"), rows.get(0).layers());
    assertEquals(List.of("encoder.0", "encoder.2", "head"), rows.get(1).layers());
    assertTrue(Files.exists(output.resolve("tiny-classifier/adapter_model.safetensors")));
    assertTrue(Files.exists(output.resolve("shift-adapters/adapter_config.json")));
  }
}
