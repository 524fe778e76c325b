package dev.rankwise.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.rankwise.runtime.model.AdaptedModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The main job's declarations: same tasks, matched size, upper layers only. */
class MethodsTest {

  @Test
  void everyMethodIsWithinFivePercentOfSharedLoraAndAdaptsTheTopTwoLayers() throws Exception {
    List<TaskTexts> tasks = TaskTexts.labelsOnly(Path.of("../data"), Method.ALL.get(0).tasks());
    try (EncoderSession session = new EncoderSession(tasks, 16, false)) {
      long reference = 0;
      for (Method method : Method.ALL) {
        try (NDManager manager = NDManager.newBaseManager()) {
          AdaptedModel adapted = method.spec().attach(session.model(manager));
          long trainable = adapted.summary().trainable();
          if (reference == 0) {
            reference = trainable;
          }
          double difference = Math.abs(trainable - reference) / (double) reference;
          System.out.printf("%-36s %,7d trainable (%+.1f %%)%n", method.label(), trainable,
              100.0 * (trainable - reference) / reference);
          assertTrue(difference <= 0.05, method.id() + ": " + trainable + " vs " + reference);
          assertEquals(4, adapted.layers().size(), method.id());
          assertEquals(4, EncoderSession.firstAdaptedLayer(adapted), method.id());
          assertEquals(Method.ALL.get(0).tasks(), method.tasks(), method.id());
        }
      }
      assertEquals(12_288 * 4, reference, "shared LoRA r=16 on four 384x384 layers");
    }
  }

  @Test
  void unknownMethodsAndTasksAreNamed() {
    IllegalArgumentException method = assertThrows(IllegalArgumentException.class, () -> Method.byId("lora"));
    assertTrue(method.getMessage().contains("shared-lora"), method.getMessage());
    IllegalArgumentException task = assertThrows(IllegalArgumentException.class,
        () -> TaskTexts.labelsOnly(Path.of("../data"), List.of("sentiment")));
    assertTrue(task.getMessage().contains("sentiment") && task.getMessage().contains("finefood"),
        task.getMessage());
  }
}
