package dev.rankwise.runtime.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.rankwise.runtime.model.AdaptedModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What {@link NoLibtorchWarningTest} runs in a child JVM, one way of overwriting live arrays per
 * process (libtorch prints a warning once per process): {@code load} (saved adapters into a fresh
 * model), {@code resume} (a checkpoint into a resumed run), {@code keep-best} (the best
 * evaluation's weights at the end of a run), {@code merge} (adapters folded into the base weights
 * and back) or {@code non-finite-gradient} (the gradients zeroed after an infinite gradient norm).
 * It prints one line saying what it did, for the test to check that the path ran.
 *
 * <p>Arguments: {@code mode folder}.
 */
public final class RestoreProcess {

  private RestoreProcess() {}

  /** Runs the mode; see the class comment. */
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Path folder = Path.of(args[1]);
    try (NDManager manager = NDManager.newBaseManager()) {
      switch (mode) {
        case "load" -> load(manager, folder);
        case "resume" -> resume(manager, folder);
        case "keep-best" -> keepBest(manager);
        case "merge" -> merge(manager);
        case "non-finite-gradient" -> nonFiniteGradient(manager);
        default -> throw new IllegalArgumentException("no mode " + mode);
      }
    }
  }

  private static void load(NDManager manager, Path folder) throws Exception {
    // Trained a few steps, so that its adapters differ from a fresh model's on the same base.
    AdaptedModel saved = ToyTasks.model(manager, 1);
    ToyTasks.trainer(ToyTasks.config(5).build(), Checkpointing.none())
        .fit(saved, ToyTasks.heads(manager), ToyTasks.tasks(manager, 64));
    saved.save(folder);
    AdaptedModel fresh = ToyTasks.model(manager, 1).include(ToyTasks.heads(manager).namedParameters());
    boolean differed = !same(saved, fresh);
    fresh.load(folder);
    System.out.println("loaded the saved values: " + (differed && same(saved, fresh)));
  }

  private static boolean same(AdaptedModel expected, AdaptedModel actual) {
    Map<String, Parameter> values = expected.namedTrainableParameters();
    return actual.namedTrainableParameters().entrySet().stream().allMatch(entry -> Arrays.equals(
        values.get(entry.getKey()).getArray().toFloatArray(), entry.getValue().getArray().toFloatArray()));
  }

  private static void resume(NDManager manager, Path folder) {
    Checkpointing checkpoints = Checkpointing.into(folder).withEvery(2);
    AtomicInteger steps = new AtomicInteger();
    try {
      train(manager, 8, checkpoints.withStop(() -> steps.incrementAndGet() >= 3), ToyTasks.config(8));
      throw new IllegalStateException("the run was not stopped");
    } catch (TrainingStoppedException expected) {
      // The checkpoint of step 2 is on disk.
    }
    TrainingResult resumed = train(manager, 8, checkpoints.withResume(true), ToyTasks.config(8));
    System.out.println("resumed to step " + resumed.steps());
  }

  private static void keepBest(NDManager manager) {
    // Validated with the opposite labels: the better the toy tasks train, the worse they validate.
    List<TaskData> contradicted = ToyTasks.tasks(manager, 64).stream().map(task -> task.withValidation(
        task.testInputs(), manager.ones(task.testLabels().getShape()).sub(task.testLabels()))).toList();
    TrainingResult result = train(manager, 30, Checkpointing.none(),
        ToyTasks.config(30).optEvaluateEvery(3).optEarlyStopping(2).optKeepBest(true), contradicted);
    System.out.println("kept the best of step " + result.bestStep() + " of " + result.steps());
  }

  private static void merge(NDManager manager) {
    AdaptedModel model = ToyTasks.model(manager, 1);
    ToyTasks.trainer(ToyTasks.config(5).build(), Checkpointing.none())
        .fit(model, ToyTasks.heads(manager), ToyTasks.tasks(manager, 64));
    List<float[]> before = values(model);
    model.mergeTask("first");
    boolean changed = !same(before, values(model));
    model.unmerge();
    System.out.println("merged and unmerged exactly: " + (changed && same(before, values(model))));
  }

  private static List<float[]> values(AdaptedModel model) {
    return model.block().getParameters().values().stream().map(p -> p.getArray().toFloatArray()).toList();
  }

  private static boolean same(List<float[]> a, List<float[]> b) {
    for (int i = 0; i < a.size(); i++) {
      if (!Arrays.equals(a.get(i), b.get(i))) {
        return false;
      }
    }
    return true;
  }

  /** sqrt at 0: a finite loss whose gradient is infinite, so the update refuses and zeroes it. */
  private static void nonFiniteGradient(NDManager manager) {
    Parameter weight = Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT).build();
    weight.setArray(manager.create(new float[] {0, 1, 4}));
    TrainingConfig config = ToyTasks.config(1).build();
    ParameterUpdate update = new ParameterUpdate(Map.of("w", weight), Map.of(), config,
        new LearningRateSchedule(config, 1), manager);
    try (NDManager step = manager.newSubManager()) {
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        collector.backward(weight.getArray().sqrt().sum());
      }
      try {
        update.apply(1, "a batch", step);
        throw new IllegalStateException("the update took an infinite gradient");
      } catch (NonFiniteLossException expected) {
        // The gradients are zeroed.
      }
      float[] gradient = weight.getArray().getGradient().toFloatArray();
      System.out.println("zeroed the gradient: " + Arrays.equals(new float[3], gradient));
    }
  }

  private static TrainingResult train(NDManager manager, int steps, Checkpointing checkpointing,
      TrainingConfig.Builder config) {
    return train(manager, steps, checkpointing, config, ToyTasks.tasks(manager, 64));
  }

  private static TrainingResult train(NDManager manager, int steps, Checkpointing checkpointing,
      TrainingConfig.Builder config, List<TaskData> tasks) {
    try (NDManager run = manager.newSubManager()) {
      return ToyTasks.trainer(config.optMaxSteps(steps).build(), checkpointing)
          .fit(ToyTasks.model(run, 1), ToyTasks.heads(run), tasks);
    }
  }
}
