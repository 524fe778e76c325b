package dev.rankwise.benchmarks.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rankwise.benchmarks.Setup;
import dev.rankwise.benchmarks.workload.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The measuring machinery on the synthetic stack: what it reports and hands to the reference (no timing checked). */
class TrainStepRunTest {

  @Test
  void reportsStepsLossesMemoryAndWritesTheReferenceExport(@TempDir Path directory) throws Exception {
    Path export = directory.resolve("export");
    JsonObject result = TrainStepRun.run(Setup.byId("stack-lora-8"), 3, 2, 1, export, directory.resolve("adapters"),
        null);
    assertEquals(2, result.getAsJsonArray("step_ms").size(), "only the measured steps are timed");
    assertEquals(TrainStepRun.CHECKED_LOSSES, result.getAsJsonArray("losses").size());
    result.getAsJsonArray("losses").forEach(loss -> assertTrue(Double.isFinite(loss.getAsDouble())));
    assertEquals(5, result.getAsJsonArray("memory").size(), "a sample after every step");
    long parameters = 8 * (8 * 1024 + 1024 * 8) + 2 * 1024 + 2;
    assertEquals(parameters, result.get("trainable_parameters").getAsLong(), "LoRA r=8 on eight layers + head");
    assertTrue(result.get("adapter_file_bytes").getAsLong() > 4 * parameters, "the files hold every float");

    JsonObject spec = JsonParser.parseString(Files.readString(export.resolve("stack-lora-8.json"))).getAsJsonObject();
    assertEquals("stack", spec.get("workload").getAsString());
    assertEquals("lora", spec.getAsJsonObject("adapter").get("kind").getAsString());
    assertEquals(8, spec.getAsJsonArray("layers").size());
    try (NDManager manager = NDManager.newBaseManager()) {
      NDList tensors = NDList.decode(manager, Files.readAllBytes(export.resolve("stack-lora-8.safetensors")));
      Set<String> names = new HashSet<>();
      tensors.forEach(tensor -> names.add(tensor.getName()));
      for (String name : new String[] {"0.weight", "0.bias", "0.lora_A", "0.lora_B", "7.lora_B", "head.weight",
          "head.bias", "input", "labels", "task_ids", "expected.features"}) {
        assertTrue(names.contains(name), name + " in " + names);
      }
      assertEquals(new Shape(Workload.BATCH, Workload.STACK_WIDTH), tensors.get("expected.features").getShape());
      assertTrue(tensors.get("0.lora_B").abs().max().getFloat() > 0,
          "the up-projections are non-zero, so the reference's agreement covers the adapter path");
    }
  }
}
