package dev.rankwise.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import dev.rankwise.encoders.bert.BertEncoder;
import dev.rankwise.runtime.io.AdapterFileException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A scorer whose adapters fail to load, as on every Spark retry of a bad folder, leaves nothing open. */
class TaskScorerTest {

  @TempDir Path folder;

  @Test
  void adaptersThatFailToLoadLeaveNoTokenizerAndNoNdManagerOpen() throws Exception {
    Path bad = Files.createDirectories(folder.resolve("bad"));
    for (String file : List.of("adapter_model.safetensors", "adapter_config.json")) {
      Files.copy(Fixtures.adapters().resolve(file), bad.resolve(file));
    }
    byte[] weights = Files.readAllBytes(bad.resolve("adapter_model.safetensors"));
    Files.write(bad.resolve("adapter_model.safetensors"), Arrays.copyOf(weights, weights.length - 100));
    ScoringSpec spec = Fixtures.spec(Strategy.MIXED);
    new TaskScorer(spec, Fixtures.adapters()).close(); // the engine's own managers, once
    int managers = liveManagers();
    List<BertEncoder> opened = new ArrayList<>();
    for (int retry = 0; retry < 3; retry++) {
      assertThrows(AdapterFileException.class, () -> new TaskScorer(spec, bad, record -> {
        BertEncoder encoder = BertEncoder.forAdapters(record, spec.base(), spec.maxLength());
        opened.add(encoder);
        return encoder;
      }));
    }
    assertEquals(managers, liveManagers(), "NDManagers left open");
    assertEquals(3, opened.size());
    try (NDManager manager = NDManager.newBaseManager()) {
      for (BertEncoder encoder : opened) {
        // A closed Hugging Face tokenizer refuses to encode: its native handle is released.
        assertThrows(IllegalStateException.class, () -> encoder.inputs().pack(manager, List.of("hi")));
      }
    }
  }

  /** The managers open under the engine's system manager (DJL keeps no public count). */
  private static int liveManagers() throws ReflectiveOperationException {
    try (NDManager probe = NDManager.newBaseManager()) {
      Field resources = BaseNDManager.class.getDeclaredField("resources");
      resources.setAccessible(true);
      return ((Map<?, ?>) resources.get(probe.getParentManager())).size() - 1;
    }
  }
}
