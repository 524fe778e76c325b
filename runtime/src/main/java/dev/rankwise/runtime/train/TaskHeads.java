package dev.rankwise.runtime.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One classification head per task, each with its own label set, on top of a shared (adapted)
 * model's features. The heads train with the adapters and are saved with them.
 */
public final class TaskHeads extends AbstractBlock {

  private static final byte VERSION = 1;

  private final List<String> tasks;
  private final List<Linear> heads = new ArrayList<>();

  /**
   * Creates and initialises the heads.
   *
   * @param classes number of classes of each task, by task name, in task order (an ordered map)
   * @param features width of the features the heads read
   */
  public TaskHeads(Map<String, Integer> classes, long features, NDManager manager) {
    super(VERSION);
    this.tasks = List.copyOf(classes.keySet());
    for (Map.Entry<String, Integer> task : classes.entrySet()) {
      if (task.getValue() < 2) {
        throw new IllegalArgumentException(
            "task '" + task.getKey() + "' must have at least 2 classes, got " + task.getValue());
      }
      Linear head = addChildBlock(task.getKey(), Linear.builder().setUnits(task.getValue()).build());
      head.initialize(manager, DataType.FLOAT32, new Shape(1, features));
      heads.add(head);
    }
  }

  /** One head per task of {@code tasks}, in their order, each with the task's number of classes. */
  public static TaskHeads forTasks(List<TaskData> tasks, long features, NDManager manager) {
    Map<String, Integer> classes = new LinkedHashMap<>();
    tasks.forEach(task -> classes.put(task.name(), task.classes()));
    return new TaskHeads(classes, features, manager);
  }

  /** The task names, in order; a task's id is its index. */
  public List<String> tasks() {
    return tasks;
  }

  /** Number of classes of a task. */
  public int classes(int task) {
    return Math.toIntExact(heads.get(task).getParameters().get("weight").getArray().getShape().get(0));
  }

  /** Logits of one task's head for the given features. */
  public NDArray logits(ParameterStore store, int task, NDArray features, boolean training) {
    return heads.get(task).forward(store, new NDList(features), training).singletonOrThrow();
  }

  /** Every head parameter by file key {@code heads.<task>.weight} / {@code .bias}. */
  public Map<String, Parameter> namedParameters() {
    Map<String, Parameter> named = new LinkedHashMap<>();
    for (int task = 0; task < tasks.size(); task++) {
      for (var parameter : heads.get(task).getParameters()) {
        named.put("heads." + tasks.get(task) + "." + parameter.getKey(), parameter.getValue());
      }
    }
    return named;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    throw new UnsupportedOperationException("call logits(store, task, features, training) per task");
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    throw new UnsupportedOperationException("each task's head has its own output shape");
  }
}
