package dev.rankwise.spark;

import java.io.Serializable;
import java.util.List;

/**
 * Everything an executor needs to score rows, besides the adapter files: shipped in the task
 * closure, so executors need neither the driver's data folder nor its file system.
 *
 * @param methodId the method the adapters were trained with ({@code Method.byId})
 * @param tasks the tasks the method routes, in its order
 * @param labels each task's class names, index 0 first, in the order of {@code tasks}
 * @param maxLength tokens per text, [CLS] and [SEP] included
 * @param batchSize rows per forward pass
 * @param strategy merged weights per task, or mixed-task batches
 * @param threads PyTorch intra-op threads of the executor's engine
 */
public record ScoringSpec(String methodId, List<String> tasks, List<List<String>> labels, int maxLength,
    int batchSize, Strategy strategy, int threads) implements Serializable {

  private static final long serialVersionUID = 1L;

  public ScoringSpec {
    tasks = List.copyOf(tasks);
    labels = labels.stream().<List<String>>map(List::copyOf).toList();
    if (tasks.size() != labels.size()) {
      throw new IllegalArgumentException("labels must be given for each of the " + tasks.size()
          + " tasks, got " + labels.size());
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be positive, got " + threads);
    }
  }

  /** The task's index in the method's router. */
  public int taskId(String task) {
    return tasks.indexOf(task);
  }
}
