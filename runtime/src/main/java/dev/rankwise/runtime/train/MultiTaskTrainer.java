package dev.rankwise.runtime.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import dev.rankwise.runtime.infer.ClassifierBlock;
import dev.rankwise.runtime.internal.RoutingContext;
import dev.rankwise.runtime.model.AdaptedModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains the adapters of a model and one head per task on several tasks at once. Every step is a
 * mixed-task batch shared among the tasks by a {@link TaskSampling}; each row is routed to its
 * task's adapters through a {@link RoutingContext}; the objective is the batch's mean task loss
 * plus the auxiliary losses of the pass, which are logged separately; at the end each task is
 * evaluated on its test rows (accuracy, macro-F1).
 */
public final class MultiTaskTrainer {

  private final TrainingConfig config;
  private final TaskSampling sampling;
  private final Loss loss = Loss.softmaxCrossEntropyLoss();
  private final StepListener listener;

  /**
   * Creates a trainer.
   *
   * @param config the run's settings; {@code epochs} counts passes over the largest task's rows
   * @param sampling how batches are shared among tasks
   */
  public MultiTaskTrainer(TrainingConfig config, TaskSampling sampling) {
    this(config, sampling, StepListener.NONE);
  }

  /** A trainer that calls {@code listener} after every step. */
  public MultiTaskTrainer(TrainingConfig config, TaskSampling sampling, StepListener listener) {
    this.config = config;
    this.sampling = sampling;
    this.listener = listener;
  }

  /**
   * Trains the model's adapters and the heads on the tasks, then evaluates every task. The heads
   * are included in the model, so {@link AdaptedModel#save} stores them with the adapters.
   *
   * @param model an adapted model whose block maps a task's inputs to features (rows, features)
   * @param heads one head per task, in the order of the model's {@code @TaskRouter} (or the one
   *     task's head when the declaration has no {@code @TaskRouter})
   * @param tasks the tasks' data, in the same order
   */
  public MultiTaskResult fit(AdaptedModel model, TaskHeads heads, List<TaskData> tasks) {
    return fit(model, heads, tasks, Checkpointing.none());
  }

  /**
   * As {@link #fit(AdaptedModel, TaskHeads, List)}, saving checkpoints as {@code checkpointing}
   * says and resuming from the newest valid one if it says so: a resumed run takes the same steps
   * with the same rows, rates and random numbers as the run would have without the stop.
   *
   * @throws TrainingStoppedException when {@code checkpointing} asks for a stop, after saving
   * @throws NonFiniteLossException when a loss or gradient is not finite and the policy is to stop
   * @throws UncheckedIOException if a checkpoint cannot be written or the folder cannot be read
   * @throws IllegalArgumentException if the newest valid checkpoint belongs to another run, or the
   *     folder holds checkpoints and {@code checkpointing} does not resume
   */
  public MultiTaskResult fit(
      AdaptedModel model, TaskHeads heads, List<TaskData> tasks, Checkpointing checkpointing) {
    checkTasks(model, heads, tasks);
    model.include(heads.namedParameters());
    model.freezeBase();
    Engine.getInstance().setRandomSeed((int) config.seed());
    List<Long> rows = tasks.stream().map(TaskData::trainRows).toList();
    int[] share = sampling.rowsPerTask(rows, config.batchSize());
    long largest = 0;
    for (int t = 0; t < tasks.size(); t++) {
      largest = Math.max(largest, (rows.get(t) + share[t] - 1) / share[t]);
    }
    long steps = config.epochs() * largest;
    if (config.maxSteps() > 0) {
      steps = Math.min(steps, config.maxSteps());
    }
    if (steps > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(config.epochs() + " epochs of " + largest + " steps are more than "
          + Integer.MAX_VALUE + " steps; lower epochs or set maxSteps");
    }
    int totalSteps = (int) steps;
    long start = System.nanoTime();
    try (NDManager runManager = NDManager.newBaseManager()) {
      ParameterUpdate update = new ParameterUpdate(model.namedTrainableParameters(), config,
          new LearningRateSchedule(config, totalSteps), runManager);
      MultiTaskState state = new MultiTaskState(update, config, tasks);
      RunCheckpoints checkpoints = new RunCheckpoints(checkpointing,
          RunCheckpoints.describe(config, tasks, share, totalSteps, update.parameters()));
      int first = 1 + checkpoints.resume(state);
      ProgressBar progress =
          config.progress() ? ProgressBar.onStandardError("multi-task", totalSteps) : null;
      for (int step = first; step <= totalSteps; step++) {
        // Dropout draws from the engine: a seed per step makes a resumed step draw the same.
        Engine.getInstance().setRandomSeed((int) (config.seed() * 1_000_003L + step));
        int current = step;
        double[] value = {Double.NaN};
        boolean ran = state.guard.run(step, () -> {
          try (NDManager stepManager = runManager.newSubManager()) {
            value[0] = step(model.block(), heads, tasks, share, state, current, stepManager);
          }
        });
        state.losses.add(value[0]);
        if (progress != null) {
          progress.update(step, ran ? String.format(Locale.ROOT, "loss %.4f", value[0])
              : "skipped (non-finite), " + state.guard.skipped().size() + " so far");
        }
        checkpoints.afterStep(state, step, totalSteps);
        listener.afterStep(step, value[0], runManager);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      List<TaskMetrics> metrics = evaluate(model.block(), heads, tasks);
      if (progress != null) {
        progress.finish(metrics.toString());
      }
      return new MultiTaskResult(state.losses, state.taskLosses, state.auxiliary, metrics, seconds,
          state.guard.skipped());
    }
  }

  private double step(Block block, TaskHeads heads, List<TaskData> tasks, int[] share,
      MultiTaskState state, int step, NDManager stepManager) {
    NDList inputs = new NDList();
    NDList labels = new NDList();
    long[] ids = new long[config.batchSize()];
    int row = 0;
    for (int t = 0; t < tasks.size(); t++) {
      NDArray indices = stepManager.create(state.cursors.get(t).next(share[t]));
      inputs.add(take(tasks.get(t).trainInputs(), indices, stepManager));
      labels.add(take(tasks.get(t).trainLabels(), indices, stepManager));
      for (int i = 0; i < share[t]; i++) {
        ids[row++] = t;
      }
    }
    NDArray batch = NDArrays.concat(inputs);
    double objectiveValue;
    double[] values = new double[tasks.size()];
    Map<String, Double> auxiliaryValues = new LinkedHashMap<>();
    try (GradientCollector collector = Engine.getInstance().newGradientCollector();
        RoutingContext routing = RoutingContext.open(stepManager.create(ids))) {
      ParameterStore store = new ParameterStore(stepManager, false);
      NDArray features = block.forward(store, new NDList(batch), true).singletonOrThrow();
      NDArray objective = null;
      long offset = 0;
      for (int t = 0; t < tasks.size(); t++) {
        NDArray taskFeatures = features.get(new NDIndex("{}:{}", offset, offset + share[t]));
        offset += share[t];
        NDArray logits = heads.logits(store, t, taskFeatures, true);
        NDArray taskLoss = loss.evaluate(new NDList(labels.get(t)), new NDList(logits));
        double taskValue = taskLoss.getFloat();
        if (!Double.isFinite(taskValue)) {
          throw new NonFiniteLossException(step, "loss of task '" + tasks.get(t).name() + "'", taskValue);
        }
        values[t] = taskValue;
        NDArray weighted = taskLoss.mul(stepManager.create((float) share[t] / config.batchSize()));
        objective = objective == null ? weighted : objective.add(weighted);
      }
      objectiveValue = objective.getFloat();
      for (Map.Entry<String, NDArray> extra : routing.auxiliaryLosses().entrySet()) {
        auxiliaryValues.put(extra.getKey(), (double) extra.getValue().getFloat());
      }
      NDArray total = routing.auxiliaryLoss().map(objective::add).orElse(objective);
      collector.backward(total);
    }
    state.update.apply(step, "tasks " + String.join(", ", state.tasks), stepManager);
    // Histories grow only for steps that updated, so a skipped step leaves them as they were.
    for (int t = 0; t < tasks.size(); t++) {
      state.taskLosses.get(tasks.get(t).name()).add(values[t]);
    }
    auxiliaryValues.forEach((name, value) ->
        state.auxiliary.computeIfAbsent(name, key -> new ArrayList<>()).add(value));
    return objectiveValue;
  }

  /** Rows of a long-lived array, owned by the step (DESIGN §7: results belong to the first operand). */
  private static NDArray take(NDArray source, NDArray indices, NDManager stepManager) {
    NDArray rows = source.get(indices);
    rows.attach(stepManager);
    return rows;
  }

  /** Test metrics of every task, each row routed to its own task, without gradients. */
  public List<TaskMetrics> evaluate(Block block, TaskHeads heads, List<TaskData> tasks) {
    ClassifierBlock classifier = new ClassifierBlock(block, heads);
    List<TaskMetrics> metrics = new ArrayList<>();
    for (int t = 0; t < tasks.size(); t++) {
      TaskData task = tasks.get(t);
      long rows = task.testInputs().getShape().get(0);
      long[] predicted = new long[Math.toIntExact(rows)];
      double lossSum = 0;
      for (long from = 0; from < rows; from += config.batchSize()) {
        long to = Math.min(rows, from + config.batchSize());
        try (NDManager batchManager = NDManager.newBaseManager()) {
          NDArray inputs = task.testInputs().get(new NDIndex("{}:{}", from, to));
          inputs.attach(batchManager);
          NDArray labels = task.testLabels().get(new NDIndex("{}:{}", from, to));
          labels.attach(batchManager);
          long[] ids = new long[Math.toIntExact(to - from)];
          java.util.Arrays.fill(ids, t);
          NDArray logits = ClassifierBlock.logits(classifier.forward(new ParameterStore(batchManager, false),
              new NDList(inputs, batchManager.create(ids)), false), t);
          lossSum += loss.evaluate(new NDList(labels), new NDList(logits)).getFloat() * (to - from);
          long[] batchPredicted = logits.argMax(-1).toType(DataType.INT64, false).toLongArray();
          System.arraycopy(batchPredicted, 0, predicted, Math.toIntExact(from), batchPredicted.length);
        }
      }
      long[] truth = task.testLabels().toType(DataType.INT64, false).toLongArray();
      metrics.add(TaskMetrics.of(task.name(), lossSum / rows, predicted, truth, task.classes()));
    }
    return metrics;
  }

  private static void checkTasks(AdaptedModel model, TaskHeads heads, List<TaskData> tasks) {
    List<String> names = tasks.stream().map(TaskData::name).toList();
    if (model.spec().taskRouter().isEmpty()) {
      // Without a router every row takes the same adapters (or its tokens route themselves): one task.
      if (tasks.size() != 1 || !heads.tasks().equals(names)) {
        throw new IllegalArgumentException(model.spec().declaringType() + " declares no @TaskRouter, so it"
            + " trains one task at a time; got tasks " + names + " and heads " + heads.tasks()
            + " (declare @TaskRouter(tasks = ...) to train several)");
      }
      return;
    }
    List<String> routed = model.spec().taskRouter().get().tasks();
    if (!names.equals(routed) || !heads.tasks().equals(routed)) {
      throw new IllegalArgumentException("the task data " + names + " and heads " + heads.tasks()
          + " must follow the declaration's tasks " + routed + ", in that order");
    }
  }

}
