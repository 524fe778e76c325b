package dev.rankwise.runtime.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.rankwise.runtime.route.RoutedBlock;
import java.util.Arrays;

/**
 * An adapted encoder and one classification head per task as one DJL block: the routed forward of
 * rankwise's inference, which {@link TaskClassifier}, its {@code Predictor} and the trainer's
 * evaluation all run.
 *
 * <p>Inputs: the encoder's inputs followed by the task ids (rows) as an integer array, rows of
 * any tasks mixed. The rows go through the encoder once, each routed to its task's adapters
 * ({@link RoutedBlock}); then each task's rows, in batch order, through that task's head and a
 * softmax. Output: for every task {@code t} of the heads, in order, the logits and the
 * probabilities of its rows, (rows of t, classes of t) each, empty when the batch has none; read
 * them with {@link #logits} and {@link #probabilities}. For inference only ({@code training =
 * false}), and as thread-safe as {@link RoutedBlock}.
 */
public final class ClassifierBlock extends AbstractBlock {

  private static final byte VERSION = 1;

  private final RoutedBlock encoder;
  private final TaskHeads heads;
  private final long[] routes;

  /**
   * Puts the heads on the encoder.
   *
   * @param encoder an adapted block that maps the inputs to features (rows, features)
   * @param heads one head per task, in the order of the task ids
   */
  public ClassifierBlock(Block encoder, TaskHeads heads) {
    this(encoder, heads, null);
  }

  /**
   * As {@link #ClassifierBlock(Block, TaskHeads)} for heads of some of the encoder's tasks, such as
   * the tasks added to a model that trains them alone: a row of head {@code t} is routed to task
   * {@code routes[t]} of the encoder; null routes head {@code t} to task {@code t}.
   */
  ClassifierBlock(Block encoder, TaskHeads heads, int[] routes) {
    super(VERSION);
    this.encoder = addChildBlock("encoder", new RoutedBlock(encoder));
    this.heads = addChildBlock("heads", heads);
    this.routes = routes == null ? null : Arrays.stream(routes).asLongStream().toArray();
  }

  /** The logits of task {@code task}'s rows in an output of this block. */
  public static NDArray logits(NDList output, int task) {
    return output.get(2 * task);
  }

  /** The softmax probabilities of task {@code task}'s rows in an output of this block. */
  public static NDArray probabilities(NDList output, int task) {
    return output.get(2 * task + 1);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    long[] taskIds = inputs.get(inputs.size() - 1).toType(DataType.INT64, false).toLongArray();
    NDList encoderInputs = inputs;
    if (routes != null) {
      long[] routed = new long[taskIds.length];
      for (int row = 0; row < taskIds.length; row++) {
        routed[row] = taskIds[row] >= 0 && taskIds[row] < routes.length ? routes[(int) taskIds[row]] : -1;
      }
      encoderInputs = new NDList(inputs.subList(0, inputs.size() - 1));
      encoderInputs.add(inputs.get(inputs.size() - 1).getManager().create(routed));
    }
    NDArray features = encoder.forward(store, encoderInputs, training, params).singletonOrThrow();
    int tasks = heads.tasks().size();
    if (features.getShape().get(0) != taskIds.length) {
      throw new IllegalArgumentException("the encoder returned " + features.getShape().get(0)
          + " rows for " + taskIds.length + " task ids; give one task id per row");
    }
    int[] rowsOfTask = new int[tasks];
    for (long task : taskIds) {
      if (task < 0 || task >= tasks) {
        throw new IllegalArgumentException(
            "task ids must be in [0, " + tasks + ") (the heads' tasks " + heads.tasks() + "), got " + task);
      }
      rowsOfTask[(int) task]++;
    }
    NDManager manager = features.getManager();
    NDList output = new NDList(2 * tasks);
    for (int task = 0; task < tasks; task++) {
      if (rowsOfTask[task] == 0) {
        NDArray none = manager.zeros(new Shape(0, Math.max(0, heads.classes(task))));
        output.add(none);
        output.add(none.duplicate());
        continue;
      }
      NDArray taskFeatures = rowsOfTask[task] == taskIds.length ? features
          : features.get(manager.create(rowsOf(taskIds, task, rowsOfTask[task])));
      NDArray logits = heads.logits(store, task, taskFeatures, false);
      output.add(logits);
      output.add(logits.softmax(-1));
    }
    return output;
  }

  private static long[] rowsOf(long[] taskIds, int task, int count) {
    long[] rows = new long[count];
    int next = 0;
    for (int row = 0; row < taskIds.length; row++) {
      if (taskIds[row] == task) {
        rows[next++] = row;
      }
    }
    return rows;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    encoder.initialize(manager, dataType, inputShapes);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape[] shapes = new Shape[2 * heads.tasks().size()];
    for (int task = 0; task < heads.tasks().size(); task++) {
      Arrays.fill(shapes, 2 * task, 2 * task + 2, new Shape(-1, heads.classes(task)));
    }
    return shapes;
  }
}
