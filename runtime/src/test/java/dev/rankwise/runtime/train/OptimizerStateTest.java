package dev.rankwise.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.optimizer.Optimizer;
import dev.rankwise.runtime.ManagedArrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The resumable pieces of a run's state draw and update exactly as the classes they replace. */
class OptimizerStateTest extends ManagedArrays {

  @Test
  void seededRandomDrawsWhatJavaUtilRandomDrawsAndResumesFromItsState() {
    Random reference = new Random(42);
    SeededRandom random = new SeededRandom(42);
    for (int i = 0; i < 1000; i++) {
      assertEquals(reference.nextInt(i + 1), random.nextInt(i + 1));
    }
    assertEquals(reference.nextLong(), random.nextLong());
    assertEquals(reference.nextDouble(), random.nextDouble());
    SeededRandom resumed = new SeededRandom(7);
    resumed.restore(random.state());
    for (int i = 0; i < 100; i++) {
      assertEquals(random.nextInt(1000), resumed.nextInt(1000));
    }
  }

  @Test
  void adamWUpdatesBitForBitAsDjlsAdamWAndResumesFromItsState() {
    TrainingConfig config = TrainingConfig.builder().setLearningRate(5e-3).optWarmupSteps(2).build();
    LearningRateSchedule schedule = new LearningRateSchedule(config, 10);
    Optimizer djl = Optimizer.adamW().optLearningRateTracker(schedule)
        .optWeightDecays((float) config.weightDecay()).build();
    AdamW ours = new AdamW(schedule, config.weightDecay(), manager);
    AdamW resumed = new AdamW(schedule, config.weightDecay(), manager);
    Random random = new Random(5);
    NDArray theirs = manager.randomNormal(new Shape(6, 4));
    NDArray mine = theirs.duplicate();
    NDArray restored = null;
    for (int step = 1; step <= 10; step++) {
      float[] values = new float[24];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) random.nextGaussian();
      }
      NDArray gradient = manager.create(values, new Shape(6, 4));
      djl.update("w", theirs, gradient);
      ours.beginUpdate();
      ours.update("w", mine, gradient);
      if (step == 4) {
        float[] mean = ours.means().get("w").toFloatArray();
        float[] variance = ours.variances().get("w").toFloatArray();
        resumed.restore(ours.updates(), Map.of("w", mean), Map.of("w", variance), Map.of("w", new Shape(6, 4)));
        restored = mine.duplicate();
      } else if (step > 4) {
        resumed.beginUpdate();
        resumed.update("w", restored, gradient);
      }
      assertArrayEquals(theirs.toFloatArray(), mine.toFloatArray(), 0f, "step " + step);
    }
    assertArrayEquals(mine.toFloatArray(), restored.toFloatArray(), 0f);
  }
}
