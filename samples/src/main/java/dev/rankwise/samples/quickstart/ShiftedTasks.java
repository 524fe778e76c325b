package dev.rankwise.samples.quickstart;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
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
   * Samples a labelled data set.
   *
   * @param manager owns the arrays
   * @param direction the task's decision direction
   * @param size number of examples
   * @param batchSize batch size of the returned data set (shuffled)
   * @param seed sampling seed
   */
  public static ArrayDataset sample(
      NDManager manager, double[] direction, int size, int batchSize, long seed) {
    Random random = new Random(seed);
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
    return new ArrayDataset.Builder()
        .setData(manager.create(features, new Shape(size, FEATURES)))
        .optLabels(manager.create(labels, new Shape(size)))
        .setSampling(batchSize, true)
        .build();
  }
}
