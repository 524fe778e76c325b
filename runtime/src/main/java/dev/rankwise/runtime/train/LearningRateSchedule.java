package dev.rankwise.runtime.train;

import ai.djl.training.tracker.Tracker;

/**
 * Linear warm-up from 0 to the peak over {@code warmupSteps}, then constant, linear or cosine
 * decay to {@code finalRate × peak} at {@code totalSteps}. Step numbers count from 1, as DJL's
 * optimizers count updates.
 */
final class LearningRateSchedule implements Tracker {

  private final double peak;
  private final int warmupSteps;
  private final int totalSteps;
  private final TrainingConfig.Decay decay;
  private final double finalRate;

  /**
   * Creates the schedule of a run.
   *
   * @param config the run's settings
   * @param totalSteps the number of optimizer steps the run takes
   */
  LearningRateSchedule(TrainingConfig config, int totalSteps) {
    if (totalSteps < 1) {
      throw new IllegalArgumentException("totalSteps must be at least 1, got " + totalSteps);
    }
    this.peak = config.learningRate();
    this.warmupSteps = config.warmupSteps();
    this.totalSteps = totalSteps;
    this.decay = config.decay();
    this.finalRate = config.finalRate();
  }

  /** The learning rate of step {@code step} (1-based). */
  double rate(int step) {
    if (step <= warmupSteps) {
      return peak * step / warmupSteps;
    }
    int decaySteps = totalSteps - warmupSteps;
    double progress = decaySteps <= 0 ? 1 : Math.min(1, (double) (step - warmupSteps) / decaySteps);
    double floor = peak * finalRate;
    return switch (decay) {
      case CONSTANT -> peak;
      case LINEAR -> peak - (peak - floor) * progress;
      case COSINE -> floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
    };
  }

  @Override
  public float getNewValue(int numUpdate) {
    return (float) rate(numUpdate);
  }
}
