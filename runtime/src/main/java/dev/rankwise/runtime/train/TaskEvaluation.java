package dev.rankwise.runtime.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The trainer's only inference: every task's rows in batches, each row routed to its own task,
 * forward without gradients, the task's head, its loss, arg-max, then {@link TaskMetrics}. The
 * forward is the classifier's ({@link ClassifierBlock}), the one routed inference of the runtime.
 */
final class TaskEvaluation {

  /** Which of a task's rows to evaluate. */
  enum Split {
    /** The rows reported at the end. */
    TEST,
    /** The rows evaluated during training, for keep-best and early stopping. */
    VALIDATION;

    NDArray inputs(TaskData task) {
      return this == TEST ? task.testInputs() : task.validationInputs();
    }

    NDArray labels(TaskData task) {
      return this == TEST ? task.testLabels() : task.validationLabels();
    }
  }

  private TaskEvaluation() {}

  /**
   * The metrics of every task on its {@code split} rows, in task order.
   *
   * @param routes each task's id in the model's router
   */
  static List<TaskMetrics> evaluate(
      Block block, TaskHeads heads, List<TaskData> tasks, int[] routes, Split split, int batchSize) {
    ClassifierBlock classifier = new ClassifierBlock(block, heads, routes);
    List<TaskMetrics> metrics = new ArrayList<>();
    for (int t = 0; t < tasks.size(); t++) {
      TaskData task = tasks.get(t);
      NDArray inputs = split.inputs(task);
      NDArray labels = split.labels(task);
      long rows = inputs.getShape().get(0);
      long[] predicted = new long[Math.toIntExact(rows)];
      double lossSum = 0;
      for (long from = 0; from < rows; from += batchSize) {
        long to = Math.min(rows, from + batchSize);
        // Slices of long-lived arrays belong to their manager: move them into the batch's.
        try (NDManager batchManager = NDManager.newBaseManager()) {
          NDArray batchInputs = inputs.get(new NDIndex("{}:{}", from, to));
          batchInputs.attach(batchManager);
          NDArray batchLabels = labels.get(new NDIndex("{}:{}", from, to));
          batchLabels.attach(batchManager);
          long[] ids = new long[Math.toIntExact(to - from)];
          Arrays.fill(ids, t);
          NDArray logits = ClassifierBlock.logits(classifier.forward(new ParameterStore(batchManager, false),
              new NDList(batchInputs, batchManager.create(ids)), false), t);
          lossSum += heads.loss(t).evaluate(new NDList(batchLabels), new NDList(logits)).getFloat() * (to - from);
          long[] batchPredicted = logits.argMax(-1).toType(DataType.INT64, false).toLongArray();
          System.arraycopy(batchPredicted, 0, predicted, Math.toIntExact(from), batchPredicted.length);
        }
      }
      metrics.add(TaskMetrics.of(task.name(), lossSum / rows, predicted, classIndices(labels), task.classes()));
    }
    return metrics;
  }

  /** The labels as class indices, leaving no converted copy in the labels' (long-lived) manager. */
  private static long[] classIndices(NDArray labels) {
    if (labels.getDataType() == DataType.INT64) {
      return labels.toLongArray();
    }
    try (NDArray converted = labels.toType(DataType.INT64, false)) {
      return converted.toLongArray();
    }
  }
}
