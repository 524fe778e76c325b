package dev.rankwise.runtime.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.rankwise.runtime.AdapterLayer.TaskRows;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.internal.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a model on one task or several at once (one task is a list of one), as the Hugging Face
 * {@code Trainer} does for a Transformers model: the adapters of an {@link AdaptedModel}, or the
 * unfrozen parameters of any DJL block, together with a head per task ({@link TaskHeads}, each with
 * its loss).
 *
 * <p>Every step is a batch shared among the tasks by a {@link TaskSampling}, each row routed to its
 * task's adapters; the objective is the tasks' losses weighted by their shares plus the auxiliary
 * losses of the pass. AdamW with warm-up and decay, global gradient-norm clipping, a seed per step,
 * the non-finite policy and checkpoints with bit-exact resume live here and nowhere else. With
 * {@link TrainingConfig#evaluateEvery()} the run evaluates on the tasks' validation rows, keeps the
 * best weights and stops early if asked; at the end every task is evaluated on its test rows.
 *
 * <pre>{@code
 * TaskTrainer trainer = TaskTrainer.builder().setConfig(config).build();
 * TrainingResult result = trainer.fit(adapted, TaskHeads.forTasks(tasks, 384, manager), tasks);
 * }</pre>
 *
 * <p>Each step's arrays live in a sub-manager closed at the end of the step; the optimizer and its
 * state live outside it (DJL creates AdamW's state lazily, and a scope would free it). The trainer
 * reports to its {@link TrainerListener} and logs through slf4j; it never prints.
 */
public final class TaskTrainer {

  private static final Logger LOG = LoggerFactory.getLogger(TaskTrainer.class);

  private final TrainingConfig config;
  private final TaskSampling sampling;
  private final Checkpointing checkpointing;
  private final TrainerListener listener;

  private TaskTrainer(Builder builder) {
    this.config = builder.config;
    this.sampling = builder.sampling;
    this.checkpointing = builder.checkpointing;
    this.listener = builder.listener;
  }

  /** Returns a builder; {@code setConfig} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Trains the model's adapters and the heads, then evaluates every task on its test rows. The
   * heads are included in the model, so {@link AdaptedModel#save} stores them with the adapters.
   *
   * @param model an adapted model whose block maps a task's inputs to features (rows, features)
   * @param heads one head per task, in the order of the model's {@code @TaskRouter} (or the one
   *     task's head when the declaration has no {@code @TaskRouter})
   * @param tasks the tasks' data, in the same order
   * @throws TrainingStoppedException when the checkpointing asks for a stop, after saving
   * @throws NonFiniteLossException when a loss or gradient is not finite and the policy is to stop
   * @throws java.io.UncheckedIOException if a checkpoint cannot be written or the folder read
   * @throws IllegalArgumentException if the tasks do not follow the declaration, a task lacks the
   *     validation rows the config evaluates on, the newest valid checkpoint belongs to another run,
   *     or the folder holds checkpoints and the checkpointing does not resume
   */
  public TrainingResult fit(AdaptedModel model, TaskHeads heads, List<TaskData> tasks) {
    checkTasks(model, heads, tasks);
    model.include(heads.namedParameters());
    model.freezeBase();
    return run(model.block(), model.namedTrainableParameters(), model.trainableRows(), routes(model, tasks),
        heads, tasks);
  }

  /** Each task's id in the model's router (after {@code addTasks}, the trained tasks are not the first). */
  private static int[] routes(AdaptedModel model, List<TaskData> tasks) {
    if (model.spec().taskRouter().isEmpty()) {
      return identity(tasks.size());
    }
    return tasks.stream().mapToInt(task -> model.spec().taskRouter().get().taskId(task.name())).toArray();
  }

  private static int[] identity(int tasks) {
    return IntStream.range(0, tasks).toArray();
  }

  /**
   * Trains the parameters of {@code model} that are not frozen, and the heads: a whole model, or
   * only heads on a frozen one (a linear probe). Parameters are named by their block paths, so
   * checkpoints of the same model resume in another process.
   *
   * @param model a block that maps a task's inputs to features; freeze what must not train
   * @param heads one head per task, in the order of {@code tasks}
   * @param tasks the tasks' data
   * @throws IllegalArgumentException if nothing is trainable, or as {@link #fit(AdaptedModel,
   *     TaskHeads, List)}
   * @see #fit(AdaptedModel, TaskHeads, List)
   */
  public TrainingResult fit(Block model, TaskHeads heads, List<TaskData> tasks) {
    checkHeads(heads, tasks);
    heads.freezeParameters(false);
    Map<String, Parameter> trainable = new LinkedHashMap<>();
    for (Pair<String, Parameter> parameter : model.getParameters()) {
      if (parameter.getValue().requiresGradient()) {
        trainable.put("model." + parameter.getKey(), parameter.getValue());
      }
    }
    trainable.putAll(heads.namedParameters());
    if (trainable.isEmpty()) {
      throw new IllegalArgumentException("nothing to train: every parameter of the model is frozen and the"
          + " heads have none; unfreeze what should train or give the tasks linear heads");
    }
    return run(model, trainable, Map.of(), identity(tasks.size()), heads, tasks);
  }

  /**
   * Every task's metrics on its test rows, each row routed to its own task, without gradients, in
   * batches of the config's batch size.
   */
  public List<TaskMetrics> evaluate(Block model, TaskHeads heads, List<TaskData> tasks) {
    checkHeads(heads, tasks);
    return TaskEvaluation.evaluate(
        model, heads, tasks, identity(tasks.size()), TaskEvaluation.Split.TEST, config.batchSize());
  }

  /**
   * The run: {@code trainableRows} restricts parameters to rows that train ({@link
   * AdaptedModel#trainableRows()}), {@code routes} is each task's id in the model's router.
   */
  private TrainingResult run(Block block, Map<String, Parameter> trainable, Map<String, TaskRows> trainableRows,
      int[] routes, TaskHeads heads, List<TaskData> tasks) {
    checkValidation(tasks);
    Engine.getInstance().setRandomSeed((int) config.seed());
    List<Long> rows = tasks.stream().map(TaskData::trainRows).toList();
    int[] share = sampling.rowsPerTask(rows, config.batchSize());
    int totalSteps = totalSteps(rows, share);
    long start = System.nanoTime();
    try (NDManager runManager = NDManager.newBaseManager()) {
      LearningRateSchedule schedule = new LearningRateSchedule(config, totalSteps);
      ParameterUpdate update = new ParameterUpdate(trainable, trainableRows, config, schedule, runManager);
      TrainingState state = new TrainingState(update, config, tasks);
      RunCheckpoints checkpoints = new RunCheckpoints(checkpointing,
          () -> RunIdentity.describe(config, tasks, share, totalSteps, update.parameters()), listener);
      int first = 1 + checkpoints.resume(state);
      listener.onTrainingBegin(first, totalSteps);
      for (int step = first; step <= totalSteps && !stoppedEarly(state); step++) {
        // Dropout draws from the engine: a seed per step makes a resumed step draw the same.
        Engine.getInstance().setRandomSeed((int) (config.seed() * 1_000_003L + step));
        int current = step;
        double[] value = {Double.NaN};
        state.guard.run(step, () -> {
          try (NDManager stepManager = runManager.newSubManager()) {
            value[0] = step(block, heads, tasks, routes, share, state, current, stepManager);
          }
        });
        state.losses.add(value[0]);
        if (config.evaluates() && (step % config.evaluateEvery() == 0 || step == totalSteps)) {
          validate(block, heads, tasks, routes, state, step);
        }
        checkpoints.afterStep(state, step, step == totalSteps || stoppedEarly(state));
        listener.onStep(step, value[0]);
      }
      int bestStep = 0;
      List<Evaluation> evaluations = List.of();
      if (state.evaluations != null) {
        bestStep = state.evaluations.bestStep();
        evaluations = state.evaluations.evaluations();
        if (config.keepBest() && state.evaluations.restoreBest(update.parameters())) {
          LOG.info("kept the weights of step {}, the best by validation {}", bestStep, config.bestMetric());
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      List<TaskMetrics> metrics =
          TaskEvaluation.evaluate(block, heads, tasks, routes, TaskEvaluation.Split.TEST, config.batchSize());
      List<Double> rates = new ArrayList<>();
      for (int step = 1; step <= state.losses.size(); step++) {
        rates.add(schedule.rate(step));
      }
      TrainingResult result = new TrainingResult(state.losses, state.taskLosses, state.auxiliary, rates,
          evaluations, bestStep, stoppedEarly(state), metrics, seconds, state.guard.skipped());
      LOG.info("trained {} steps in {} s; test: {}", result.steps(), Math.round(seconds), metrics);
      listener.onTrainingEnd(result);
      return result;
    }
  }

  private int totalSteps(List<Long> rows, int[] share) {
    long largest = 0;
    for (int t = 0; t < rows.size(); t++) {
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
    return (int) steps;
  }

  private static boolean stoppedEarly(TrainingState state) {
    return state.evaluations != null && state.evaluations.stoppedEarly();
  }

  /** Evaluates on the validation rows after {@code step}: records it, keeps the best, stops early. */
  private void validate(
      Block block, TaskHeads heads, List<TaskData> tasks, int[] routes, TrainingState state, int step) {
    Evaluation evaluation = new Evaluation(step, TaskEvaluation.evaluate(
        block, heads, tasks, routes, TaskEvaluation.Split.VALIDATION, config.batchSize()));
    boolean improved = state.evaluations.record(evaluation, state.update.parameters());
    LOG.info("validation {}{}", evaluation, improved ? " (best so far)" : "");
    listener.onEvaluation(evaluation, improved);
    if (state.evaluations.stoppedEarly()) {
      LOG.info("stopping early after step {}: {} evaluations without a better validation {} than step {}",
          step, config.patience(), config.bestMetric(), state.evaluations.bestStep());
    }
  }

  private double step(Block block, TaskHeads heads, List<TaskData> tasks, int[] routes, int[] share,
      TrainingState state, int step, NDManager stepManager) {
    NDList inputs = new NDList();
    NDList labels = new NDList();
    long[] ids = new long[config.batchSize()];
    int row = 0;
    for (int t = 0; t < tasks.size(); t++) {
      NDArray indices = stepManager.create(state.cursors.get(t).next(share[t]));
      inputs.add(take(tasks.get(t).trainInputs(), indices, stepManager));
      labels.add(take(tasks.get(t).trainLabels(), indices, stepManager));
      for (int i = 0; i < share[t]; i++) {
        ids[row++] = routes[t];
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
        NDArray taskLoss = heads.loss(t).evaluate(new NDList(labels.get(t)), new NDList(logits));
        double taskValue = taskLoss.getFloat();
        if (!Double.isFinite(taskValue)) {
          throw new NonFiniteLossException(step, "loss of task '" + tasks.get(t).name() + "'", taskValue);
        }
        values[t] = taskValue;
        // A scalar as an array of the step, not mul(Number): autograd keeps it until backward (docs/DESIGN.md §7).
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

  /** Rows of a long-lived array, owned by the step (docs/DESIGN.md §7: results belong to the first operand). */
  private static NDArray take(NDArray source, NDArray indices, NDManager stepManager) {
    NDArray rows = source.get(indices);
    rows.attach(stepManager);
    return rows;
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
    List<String> trained = model.trainedTasks();
    if (!names.equals(trained) || !heads.tasks().equals(trained)) {
      throw new IllegalArgumentException("the task data " + names + " and heads " + heads.tasks()
          + " must follow the declaration's tasks " + routed + ", in that order"
          + (trained.equals(routed) ? "" : ", of which the model trains only the added " + trained));
    }
  }

  private static void checkHeads(TaskHeads heads, List<TaskData> tasks) {
    List<String> names = tasks.stream().map(TaskData::name).toList();
    if (names.isEmpty() || !heads.tasks().equals(names)) {
      throw new IllegalArgumentException("the heads " + heads.tasks() + " must be those of the task data "
          + names + ", in that order (at least one task)");
    }
  }

  private void checkValidation(List<TaskData> tasks) {
    if (!config.evaluates()) {
      return;
    }
    for (TaskData task : tasks) {
      if (!task.hasValidation()) {
        throw new IllegalArgumentException("task '" + task.name() + "' has no validation rows, but the run"
            + " evaluates every " + config.evaluateEvery() + " steps: give it some with"
            + " TaskData.withValidation(inputs, labels), or set evaluateEvery to 0");
      }
    }
  }

  /** Builds a {@link TaskTrainer}. */
  public static final class Builder {
    private TrainingConfig config;
    private TaskSampling sampling = new TaskSampling.Proportional();
    private Checkpointing checkpointing = Checkpointing.none();
    private TrainerListener listener = TrainerListener.NONE;

    private Builder() {}

    /** Sets the run's settings (required); {@code epochs} counts passes over the largest task's rows. */
    public Builder setConfig(TrainingConfig config) {
      this.config = config;
      return this;
    }

    /** Sets how batches are shared among tasks; default {@link TaskSampling.Proportional}. */
    public Builder optSampling(TaskSampling sampling) {
      this.sampling = Objects.requireNonNull(sampling, "sampling");
      return this;
    }

    /**
     * Saves checkpoints, resumes and stops early on request as {@code checkpointing} says; a
     * resumed run takes the same steps with the same rows, rates and random numbers as it would
     * have without the stop. Default {@link Checkpointing#none()}.
     */
    public Builder optCheckpointing(Checkpointing checkpointing) {
      this.checkpointing = Objects.requireNonNull(checkpointing, "checkpointing");
      return this;
    }

    /** Reports steps, evaluations and checkpoints to {@code listener}; default none. */
    public Builder optListener(TrainerListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Returns the trainer.
     *
     * @throws IllegalArgumentException if the config is not set
     */
    public TaskTrainer build() {
      if (config == null) {
        throw new IllegalArgumentException("a trainer needs its settings: call setConfig(TrainingConfig)");
      }
      return new TaskTrainer(this);
    }
  }
}
