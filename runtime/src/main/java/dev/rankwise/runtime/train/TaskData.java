package dev.rankwise.runtime.train;

import ai.djl.ndarray.NDArray;

/**
 * One task's examples as arrays: inputs (rows first, as the model takes them) and integer class
 * labels, split into training and test rows.
 *
 * @param name the task's name, as in the declaration's {@code @TaskRouter}
 * @param classes number of classes
 * @param trainInputs training inputs, shape (rows, ...)
 * @param trainLabels training labels, shape (rows), values in [0, classes)
 * @param testInputs test inputs
 * @param testLabels test labels
 */
public record TaskData(
    String name, int classes, NDArray trainInputs, NDArray trainLabels, NDArray testInputs,
    NDArray testLabels) {

  /** Checks that inputs and labels agree in rows. */
  public TaskData {
    check(name, "train", trainInputs, trainLabels);
    check(name, "test", testInputs, testLabels);
  }

  private static void check(String name, String split, NDArray inputs, NDArray labels) {
    long rows = inputs.getShape().get(0);
    if (labels.getShape().dimension() != 1 || labels.getShape().get(0) != rows) {
      throw new IllegalArgumentException("task '" + name + "': " + split + " labels " + labels.getShape()
          + " must be one per input row (" + rows + ")");
    }
    if (rows == 0) {
      throw new IllegalArgumentException("task '" + name + "' has no " + split + " rows");
    }
  }

  /** Training rows. */
  public long trainRows() {
    return trainInputs.getShape().get(0);
  }
}
