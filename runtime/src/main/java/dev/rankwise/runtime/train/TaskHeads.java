package dev.rankwise.runtime.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The task-specific end of a model: for each task a head, any DJL block that maps the shared
 * (adapted) model's features to the task's logits, and the loss it trains with. A linear head per
 * task is the common case ({@link #forTasks}); {@link #identity} serves a model that already outputs
 * logits. Head parameters train with the adapters and are saved with them ({@link
 * #namedParameters()}).
 */
public final class TaskHeads extends AbstractBlock {

  private static final byte VERSION = 1;

  private final List<String> tasks;
  private final List<Block> heads;
  private final List<Loss> losses;

  private TaskHeads(Builder builder) {
    super(VERSION);
    this.tasks = List.copyOf(builder.tasks);
    this.heads = List.copyOf(builder.heads);
    this.losses = List.copyOf(builder.losses);
    for (int t = 0; t < tasks.size(); t++) {
      addChildBlock(tasks.get(t), heads.get(t));
    }
  }

  /**
   * One linear head per task, initialised now, each trained with softmax cross-entropy.
   *
   * @param classes number of classes of each task, by task name, in task order (an ordered map)
   * @param features width of the features the heads read
   * @param manager owns the heads' parameters
   * @throws IllegalArgumentException if a task has fewer than 2 classes
   */
  public TaskHeads(Map<String, Integer> classes, long features, NDManager manager) {
    this(linear(classes, features, manager));
  }

  private static Builder linear(Map<String, Integer> classes, long features, NDManager manager) {
    Builder builder = builder();
    for (Map.Entry<String, Integer> task : classes.entrySet()) {
      if (task.getValue() < 2) {
        throw new IllegalArgumentException(
            "task '" + task.getKey() + "' must have at least 2 classes, got " + task.getValue());
      }
      Linear head = Linear.builder().setUnits(task.getValue()).build();
      head.initialize(manager, DataType.FLOAT32, new Shape(1, features));
      builder.add(task.getKey(), head);
    }
    return builder;
  }

  /** One linear head per task of {@code tasks}, in their order, each with the task's number of classes. */
  public static TaskHeads forTasks(List<TaskData> tasks, long features, NDManager manager) {
    Map<String, Integer> classes = new LinkedHashMap<>();
    tasks.forEach(task -> classes.put(task.name(), task.classes()));
    return new TaskHeads(classes, features, manager);
  }

  /**
   * No head: the model's output already is each task's logits (a classifier fine-tuned through its
   * adapters). Each task trains with softmax cross-entropy; there are no head parameters.
   */
  public static TaskHeads identity(List<String> tasks) {
    Builder builder = builder();
    tasks.forEach(task -> builder.add(task, Blocks.identityBlock()));
    return builder.build();
  }

  /** A builder for heads of one's own: any block per task, and any loss. */
  public static Builder builder() {
    return new Builder();
  }

  /** The task names, in order; a task's id is its index. */
  public List<String> tasks() {
    return tasks;
  }

  /**
   * The number of classes a task's head gives logits for: a linear head's units, or -1 when its
   * block does not say (an identity head, whose model's output width decides).
   */
  public int classes(int task) {
    if (heads.get(task) instanceof Linear linear) {
      Parameter weight = linear.getParameters().get("weight");
      if (weight.isInitialized()) {
        return Math.toIntExact(weight.getArray().getShape().get(0));
      }
    }
    return -1;
  }

  /** The loss a task trains with and its evaluations report. */
  public Loss loss(int task) {
    return losses.get(task);
  }

  /** Logits of one task's head for the given features. */
  public NDArray logits(ParameterStore store, int task, NDArray features, boolean training) {
    return heads.get(task).forward(store, new NDList(features), training).singletonOrThrow();
  }

  /** Every head parameter by file key {@code heads.<task>.<parameter>}, such as {@code heads.spam.weight}. */
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

  /** Builds {@link TaskHeads}: {@code add} each task in the order of the tasks it trains with. */
  public static final class Builder {
    private final List<String> tasks = new ArrayList<>();
    private final List<Block> heads = new ArrayList<>();
    private final List<Loss> losses = new ArrayList<>();

    private Builder() {}

    /** Adds a task whose head is {@code head} (initialised), trained with softmax cross-entropy. */
    public Builder add(String task, Block head) {
      return add(task, head, Loss.softmaxCrossEntropyLoss());
    }

    /**
     * Adds a task whose head is {@code head} (initialised), trained with {@code loss}, which takes
     * the task's labels and the head's logits.
     *
     * @throws IllegalArgumentException if the task is already added or a value is null
     */
    public Builder add(String task, Block head, Loss loss) {
      if (task == null || head == null || loss == null) {
        throw new IllegalArgumentException("task, head and loss must not be null, got " + task + ", "
            + head + ", " + loss);
      }
      if (tasks.contains(task)) {
        throw new IllegalArgumentException("task '" + task + "' already has a head; give each task one");
      }
      tasks.add(task);
      heads.add(head);
      losses.add(loss);
      return this;
    }

    /**
     * Returns the heads.
     *
     * @throws IllegalArgumentException if no task was added
     */
    public TaskHeads build() {
      if (tasks.isEmpty()) {
        throw new IllegalArgumentException("heads need at least one task: call add(task, head)");
      }
      return new TaskHeads(this);
    }
  }
}
