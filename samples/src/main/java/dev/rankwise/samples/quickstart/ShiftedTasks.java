package dev.rankwise.samples.quickstart;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.rankwise.runtime.train.TaskData;
import java.util.Random;

/**
 * Two synthetic binary tasks on the same Gaussian inputs: the base model learns {@link #BASE}, the
 * adapters then learn {@link #SHIFTED}, whose decision direction is orthogonal to the base task's,
 * so the frozen base alone scores about chance on it.
 */
public final class ShiftedTasks {

  /** Input features per example. */
  public static final int FEATURES = 8;

  /** Label = [x0 + x1 > 0]. */
  public static final double[] BASE = {1, 1, 0, 0, 0, 0, 0, 0};

  /** Label = [x0 - x1 + x2 > 0]: orthogonal to {@link #BASE}. */
  public static final double[] SHIFTED = {1, -1, 1, 0, 0, 0, 0, 0};

  private ShiftedTasks() {}

  /**
   * A task labelled by {@code direction}: training, validation and test rows, drawn in that order.
   *
   * @param manager owns the arrays
   * @param name the task's name
   * @param direction the task's decision direction
   * @param train training rows
   * @param validation validation rows, 0 for none
   * @param test test rows
   * @param seed sampling seed
   */
  public static TaskData task(NDManager manager, String name, double[] direction, int train, int validation,
      int test, long seed) {
    Random random = new Random(seed);
    NDArray[] trainRows = sample(manager, direction, train, random);
    NDArray[] validationRows = validation > 0 ? sample(manager, direction, validation, random) : null;
    NDArray[] testRows = sample(manager, direction, test, random);
    TaskData task = new TaskData(name, 2, trainRows[0], trainRows[1], testRows[0], testRows[1]);
    return validationRows == null ? task : task.withValidation(validationRows[0], validationRows[1]);
  }

  /** {@code size} rows: inputs (size, FEATURES) and labels [x · direction > 0] (size). */
  private static NDArray[] sample(NDManager manager, double[] direction, int size, Random random) {
    float[] features = new float[size * FEATURES];
    float[] labels = new float[size];
    for (int row = 0; row < size; row++) {
      double projection = 0;
      for (int column = 0; column < FEATURES; column++) {
        float value = (float) random.nextGaussian();
        features[row * FEATURES + column] = value;
        projection += value * direction[column];
      }
      labels[row] = projection > 0 ? 1 : 0;
    }
    return new NDArray[] {manager.create(features, new Shape(size, FEATURES)), manager.create(labels)};
  }
}
