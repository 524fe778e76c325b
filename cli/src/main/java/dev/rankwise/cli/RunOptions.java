package dev.rankwise.cli;

import dev.rankwise.cli.job.RunSettings;
import picocli.CommandLine.Option;

/** The size of a training run: the standard or quick preset, with any value overridden. */
final class RunOptions {

  @Option(names = "--quick", description = "The short preset (≤ 3 minutes on two cores) instead of the standard one.")
  boolean quick;

  @Option(names = "--train-rows", paramLabel = "N", description = "Training rows per task (0 = all).")
  Integer trainRows;

  @Option(names = "--test-rows", paramLabel = "N", description = "Test rows per task (0 = all).")
  Integer testRows;

  @Option(names = "--max-length", paramLabel = "N", description = "Tokens per text.")
  Integer maxLength;

  @Option(names = "--epochs", paramLabel = "N", description = "Passes over the largest task's training rows.")
  Integer epochs;

  @Option(names = "--learning-rate", paramLabel = "R", description = "AdamW's peak learning rate.")
  Double learningRate;

  /** The preset with the overrides applied. */
  RunSettings settings(long seed) {
    RunSettings preset = quick ? RunSettings.quick(seed) : RunSettings.standard(seed);
    return new RunSettings(
        trainRows != null ? nonNegative("--train-rows", trainRows) : preset.trainRows(),
        testRows != null ? nonNegative("--test-rows", testRows) : preset.testRows(),
        maxLength != null ? maxLength : preset.maxLength(),
        epochs != null ? epochs : preset.epochs(),
        preset.batchSize(),
        learningRate != null ? learningRate : preset.learningRate(),
        preset.probeSteps(),
        seed);
  }

  private static int nonNegative(String option, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(option + " must be at least 0 (0 = all), got " + value);
    }
    return value;
  }
}
