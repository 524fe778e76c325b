package dev.rankwise.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleAndClippingTest {

  private static TrainingConfig config(TrainingConfig.Decay decay) {
    return TrainingConfig.builder().setLearningRate(1e-3).optWarmupSteps(10).optDecay(decay, 0.1).build();
  }

  @Test
  void warmUpRampsLinearlyThenLinearDecayReachesTheFloor() {
    LearningRateSchedule schedule = new LearningRateSchedule(config(TrainingConfig.Decay.LINEAR), 110);
    assertEquals(1e-4, schedule.rate(1), 1e-12);
    assertEquals(5e-4, schedule.rate(5), 1e-12);
    assertEquals(1e-3, schedule.rate(10), 1e-12);
    assertEquals(1e-3 - 0.9e-3 * 0.5, schedule.rate(60), 1e-12);
    assertEquals(1e-4, schedule.rate(110), 1e-12);
    assertEquals((float) schedule.rate(37), schedule.getNewValue(37));
  }

  @Test
  void cosineDecayIsHalfwayAtTheMiddle() {
    LearningRateSchedule schedule = new LearningRateSchedule(config(TrainingConfig.Decay.COSINE), 110);
    assertEquals(1e-4 + 0.9e-3 * 0.5, schedule.rate(60), 1e-12);
    assertEquals(1e-4, schedule.rate(110), 1e-12);
    assertEquals(1e-3, new LearningRateSchedule(config(TrainingConfig.Decay.CONSTANT), 110).rate(90), 1e-12);
  }

  @Test
  void clippingBoundsTheGlobalNormAndLeavesSmallGradientsAlone() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray a = manager.create(new float[] {3, 0});
      NDArray b = manager.create(new float[] {0, 4, 0});
      double norm = GradientClipping.clip(List.of(a, b), 1.0);
      assertEquals(5.0, norm, 1e-9);
      assertEquals(1.0, GradientClipping.globalNorm(List.of(a, b)), 1e-6);
      assertTrue(GradientClipping.globalNorm(List.of(a, b)) <= 1.0 + 1e-6);
      assertEquals(0.6f, a.getFloat(0), 1e-6);

      NDArray small = manager.create(new float[] {0.3f, 0.4f});
      assertEquals(0.5, GradientClipping.clip(List.of(small), 1.0), 1e-7);
      assertEquals(0.3f, small.getFloat(0));
      NDArray off = manager.create(new float[] {30, 40});
      assertEquals(50, GradientClipping.clip(List.of(off), 0), 1e-9);
      assertEquals(30f, off.getFloat(0));
    }
  }
}
