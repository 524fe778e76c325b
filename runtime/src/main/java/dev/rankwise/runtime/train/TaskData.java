package dev.rankwise.runtime.train;

import ai.djl.ndarray.NDArray;

/**
 * One task's examples as arrays: inputs (rows first, as the model takes them) and integer class
 * labels, split into training, test and, optionally, validation rows. The trainer learns from the
 * training rows, picks the best weights and stops early on the validation rows, and reports the
 * test rows at the end.
 *
 * @param name the task's name, as in the declaration's {@code @TaskRouter}
 * @param classes number of classes
 * @param trainInputs training inputs, shape (rows, ...)
 * @param trainLabels training labels, shape (rows), values in [0, classes)
 * @param testInputs test inputs
 * @param testLabels test labels
 * @param validationInputs validation inputs, or null for none
 * @param validationLabels validation labels, or null for none
 */
public record TaskData(
    String name, int classes, NDArray trainInputs, NDArray trainLabels, NDArray testInputs,
    NDArray testLabels, NDArray validationInputs, NDArray validationLabels) {

  /** Checks that inputs and labels agree in rows, and that validation inputs come with labels. */
  public TaskData {
    check(name, "train", trainInputs, trainLabels);
    check(name, "test", testInputs, testLabels);
    if ((validationInputs == null) != (validationLabels == null)) {
      throw new IllegalArgumentException("task '" + name + "': validation inputs and labels go together;"
          + " give both or neither");
    }
    if (validationInputs != null) {
      check(name, "validation", validationInputs, validationLabels);
    }
  }

  /** A task without validation rows. */
  public TaskData(String name, int classes, NDArray trainInputs, NDArray trainLabels, NDArray testInputs,
      NDArray testLabels) {
    this(name, classes, trainInputs, trainLabels, testInputs, testLabels, null, null);
  }

  /** The same task with these validation rows. */
  public TaskData withValidation(NDArray inputs, NDArray labels) {
    if (inputs == null || labels == null) {
      throw new IllegalArgumentException("task '" + name + "': validation inputs and labels must not be null");
    }
    return new TaskData(name, classes, trainInputs, trainLabels, testInputs, testLabels, inputs, labels);
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

  /** Whether the task has validation rows. */
  public boolean hasValidation() {
    return validationInputs != null;
  }
}
