package dev.rankwise.runtime.internal;

import ai.djl.ndarray.NDArray;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The task of every row of the batch being forwarded, for adapters deep in a block tree whose
 * blocks pass only an {@code NDList} (a {@code SequentialBlock} passes nothing else), and the
 * auxiliary losses those adapters produce during the pass.
 *
 * <p>Thread-confined and scoped: open it around a forward pass with try-with-resources; contexts
 * nest, and closing restores the enclosing one. Internal: the runtime's trainers and {@code
 * RoutedBlock} open it; users route through those.
 *
 * <pre>{@code
 * try (RoutingContext routing = RoutingContext.open(taskIds)) {
 *   NDList output = block.forward(parameterStore, inputs, true);
 *   NDArray loss = objective.add(routing.auxiliaryLoss());
 * }
 * }</pre>
 */
public final class RoutingContext implements AutoCloseable {

  private static final ThreadLocal<RoutingContext> CURRENT = new ThreadLocal<>();

  private final NDArray taskIds;
  private final RoutingContext enclosing;
  private final Thread owner;
  private final Map<String, NDArray> auxiliaryLosses = new LinkedHashMap<>();
  private boolean closed;

  private RoutingContext(NDArray taskIds) {
    this.taskIds = taskIds;
    this.enclosing = CURRENT.get();
    this.owner = Thread.currentThread();
  }

  /**
   * Routes the next forward passes on this thread.
   *
   * @param taskIds the task index of each row, shape (batch), an integer array
   */
  public static RoutingContext open(NDArray taskIds) {
    if (taskIds == null) {
      throw new IllegalArgumentException("task ids must not be null; use collectingLosses()");
    }
    if (taskIds.getShape().dimension() != 1 || !taskIds.getDataType().isInteger()) {
      throw new IllegalArgumentException(
          "task ids must be a 1-D integer array (one task index per row), got "
              + taskIds.getDataType() + " " + taskIds.getShape());
    }
    RoutingContext context = new RoutingContext(taskIds);
    CURRENT.set(context);
    return context;
  }

  /**
   * A context without task ids that only collects auxiliary losses (single-task training of
   * token-routed experts, for example).
   */
  public static RoutingContext collectingLosses() {
    RoutingContext context = new RoutingContext(null);
    CURRENT.set(context);
    return context;
  }

  /** The context of the forward pass running on this thread, if any. */
  public static Optional<RoutingContext> current() {
    return Optional.ofNullable(CURRENT.get());
  }

  /**
   * The current context, for an adapter that cannot route without one.
   *
   * @param who the adapter, for the message
   * @throws IllegalStateException if no context is open on this thread
   */
  public static RoutingContext require(String who) {
    RoutingContext context = CURRENT.get();
    if (context == null || context.taskIds == null) {
      throw new IllegalStateException(
          who + " routes rows by task, but no task ids were given: forward through a RoutedBlock or a"
              + " TaskClassifier (inference) or train with TaskTrainer, which give each row's task id");
    }
    return context;
  }

  /**
   * The task ids of the current pass, checked against the input: one per row, each a task of the
   * declaration.
   *
   * @param who the adapter, for messages
   * @param tasks how many tasks the adapter routes
   * @param rows the input's rows (its first dimension)
   * @throws IllegalStateException if no task ids are given
   * @throws IllegalArgumentException if their count or range is wrong
   */
  public static NDArray requireTaskIds(String who, int tasks, long rows) {
    NDArray taskIds = require(who).taskIds;
    if (taskIds.getShape().get(0) != rows) {
      throw new IllegalArgumentException(
          who + ": the routing context has " + taskIds.getShape().get(0) + " task ids but the input"
              + " has " + rows + " rows; give one task id per row");
    }
    long lowest = taskIds.min().getLong();
    long highest = taskIds.max().getLong();
    if (lowest < 0 || highest >= tasks) {
      throw new IllegalArgumentException(
          who + ": task ids must be in [0, " + tasks + "), got " + (lowest < 0 ? lowest : highest));
    }
    return taskIds;
  }

  /** The task index of each row, shape (batch), if this context routes by task. */
  public Optional<NDArray> taskIds() {
    return Optional.ofNullable(taskIds);
  }

  /** Adds to the named auxiliary loss of this pass (losses of one name from several layers add up). */
  public void addAuxiliaryLoss(String name, NDArray loss) {
    auxiliaryLosses.merge(name, loss, NDArray::add);
  }

  /** The auxiliary losses of this pass by name, for logging them separately. */
  public Map<String, NDArray> auxiliaryLosses() {
    return Collections.unmodifiableMap(auxiliaryLosses);
  }

  /** The sum of every auxiliary loss, or empty when the pass produced none. */
  public Optional<NDArray> auxiliaryLoss() {
    return auxiliaryLosses.values().stream().reduce(NDArray::add);
  }

  /** Restores the enclosing context. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    if (Thread.currentThread() != owner || CURRENT.get() != this) {
      throw new IllegalStateException(
          "routing contexts must be closed on their thread, innermost first");
    }
    closed = true;
    if (enclosing == null) {
      CURRENT.remove();
    } else {
      CURRENT.set(enclosing);
    }
  }
}
