package dev.rankwise.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.experts.RankExpertsLinear;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Multi-task training: mixed batches, heads saved with the adapters, declaration checks, routing. */
class TaskTrainerTest extends ManagedArrays {

  private static final List<String> TASKS = ToyTasks.TASKS;

  @Test
  void samplingSharesEveryBatchAmongAllTasks() {
    List<Long> rows = List.of(900L, 90L, 10L);
    // One row each, then 30 by shares 27 : 2.7 : 0.3, the spare row to the largest remainder.
    assertArrayEquals(new int[] {28, 4, 1}, new TaskSampling.Proportional().rowsPerTask(rows, 33));
    assertArrayEquals(new int[] {11, 11, 11}, new TaskSampling.RoundRobin().rowsPerTask(rows, 33));
    int[] flattened = new TaskSampling.Temperature(3).rowsPerTask(rows, 33);
    assertEquals(33, flattened[0] + flattened[1] + flattened[2]);
    assertTrue(flattened[0] < 28 && flattened[2] > 1, java.util.Arrays.toString(flattened));
    assertThrows(IllegalArgumentException.class, () -> new TaskSampling.RoundRobin().rowsPerTask(rows, 2));
  }

  @Test
  void macroF1WeighsRareClassesLikeCommonOnes() {
    // 8 negatives all right, 2 positives: one found. Accuracy 0.9; F1 of class 1 = 2/3, class 0 = 16/17.
    long[] truth = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1};
    long[] predicted = {0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    TaskMetrics metrics = TaskMetrics.of("t", 0, predicted, truth, 2);
    assertEquals(0.9, metrics.accuracy(), 1e-12);
    assertEquals((16.0 / 17 + 2.0 / 3) / 2, metrics.macroF1(), 1e-12);
    assertEquals(2.0 / 3, metrics.positiveF1(), 1e-12);
  }

  private List<TaskData> tasks(int rows) {
    return ToyTasks.tasks(manager, rows);
  }

  private static TaskTrainer trainer(TrainingConfig config) {
    return TaskTrainer.builder().setConfig(config).optSampling(new TaskSampling.Proportional()).build();
  }

  @Test
  void trainsAdaptersAndHeadsOnMixedBatchesAndSavesTheHeads(@TempDir Path directory) throws Exception {
    Engine.getInstance().setRandomSeed(2);
    SequentialBlock encoder = new SequentialBlock()
        .add(Linear.builder().setUnits(16).build())
        .add(Activation::relu)
        .add(Linear.builder().setUnits(16).build());
    encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
    AdapterSpec spec = AdapterSpec.builder("test.Experts")
        .target(RankExpertsConfig.builder().setExperts(6, 3).build(), "0", "2")
        .optTaskRouter(new TaskRouterConfig(TASKS, true, 0.1))
        .build();
    AdaptedModel model = spec.attach(encoder, 1);
    Map<String, Integer> classes = new LinkedHashMap<>();
    TASKS.forEach(task -> classes.put(task, 2));
    TaskHeads heads = new TaskHeads(classes, 16, manager);
    TrainingConfig config = TrainingConfig.builder().setLearningRate(2e-2).optEpochs(12)
        .optBatchSize(48).optWarmupSteps(10).build();

    TrainingResult result = ToyTasks.trainer(config, Checkpointing.none()).fit(model, heads, tasks(256));

    System.out.println("multi-task: " + result.metrics() + ", auxiliary " + result.auxiliaryLosses().keySet());
    for (TaskMetrics metrics : result.metrics()) {
      assertTrue(metrics.accuracy() > 0.85, metrics.toString());
    }
    assertEquals(List.of("rank", "contrastive"), List.copyOf(result.auxiliaryLosses().keySet()));
    assertEquals(result.steps(), result.taskLosses().get("second").size());

    model.save(directory);
    NDArray before = heads.namedParameters().get("heads.third.weight").getArray().duplicate();
    heads.namedParameters().get("heads.third.weight").getArray().set(new float[before.toFloatArray().length]);
    model.load(directory);
    assertTrue(before.contentEquals(heads.namedParameters().get("heads.third.weight").getArray()),
        "the heads are saved and loaded with the adapters");
  }

  @Test
  void taskDataMustFollowTheDeclaration() {
    Engine.getInstance().setRandomSeed(2);
    SequentialBlock encoder = new SequentialBlock().add(Linear.builder().setUnits(16).build());
    encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
    AdaptedModel model = AdapterSpec.builder("t")
        .target(RankExpertsConfig.builder().setExperts(2, 1).build(), "0")
        .optTaskRouter(new TaskRouterConfig(List.of("second", "first", "third"), false, 0))
        .build().attach(encoder);
    Map<String, Integer> classes = new LinkedHashMap<>();
    TASKS.forEach(task -> classes.put(task, 2));
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> trainer(TrainingConfig.builder().setLearningRate(1e-2).build())
            .fit(model, new TaskHeads(classes, 16, manager), tasks(16)));
    assertTrue(error.getMessage().contains("must follow the declaration's tasks"), error.getMessage());
  }

  @Test
  void aDeclarationWithoutRouterTrainsOneTaskWithTokenRoutedExperts() {
    Engine.getInstance().setRandomSeed(2);
    SequentialBlock encoder = new SequentialBlock().add(Linear.builder().setUnits(16).build());
    encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
    AdaptedModel model = AdapterSpec.builder("test.Tokens")
        .target(RankExpertsConfig.builder().setExperts(4, 2).build(), "0")
        .build().attach(encoder, 1);
    RankExpertsLinear experts = (RankExpertsLinear) model.layers().get("0");
    NDArray before = experts.expertsB().getArray().duplicate();
    List<TaskData> one = tasks(64).subList(0, 1);
    TrainingResult result = trainer(TrainingConfig.builder().setLearningRate(2e-2).optEpochs(3).optMaxSteps(10)
        .optBatchSize(16).build())
        .fit(model, TaskHeads.forTasks(one, 16, manager), one);
    assertEquals(10, result.losses().size());
    assertTrue(result.auxiliaryLosses().containsKey("balance"), "the load-balancing loss is logged");
    assertTrue(!before.contentEquals(experts.expertsB().getArray()), "the experts trained");

    List<TaskData> two = tasks(64).subList(0, 2);
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> trainer(TrainingConfig.builder().setLearningRate(1e-2).build())
            .fit(model, TaskHeads.forTasks(two, 16, manager), two));
    assertTrue(error.getMessage().contains("declares no @TaskRouter, so it trains one task at a time"),
        error.getMessage());
  }

  @Test
  void frozenRoutingStaysAtItsInitialValuesWhileTheExpertsTrain() {
    Engine.getInstance().setRandomSeed(2);
    SequentialBlock encoder = new SequentialBlock().add(Linear.builder().setUnits(16).build());
    encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
    AdaptedModel model = AdapterSpec.builder("test.Frozen")
        .target(RankExpertsConfig.builder().setExperts(6, 2).build(), "0")
        .optTaskRouter(new TaskRouterConfig(TASKS, true, 0))
        .build().attach(encoder, 1);
    int all = model.trainableParameters().size();
    model.freezeRouting();
    RankExpertsLinear experts = (RankExpertsLinear) model.layers().get("0");
    Map<String, NDArray> routingBefore = new LinkedHashMap<>();
    experts.routingParameters().forEach((name, p) -> routingBefore.put(name, p.getArray().duplicate()));
    NDArray expertsBefore = experts.expertsB().getArray().duplicate();
    assertEquals(all - routingBefore.size(), model.trainableParameters().size());
    Map<String, Integer> classes = new LinkedHashMap<>();
    TASKS.forEach(task -> classes.put(task, 2));
    ToyTasks.trainer(TrainingConfig.builder().setLearningRate(2e-2).optMaxSteps(20).optBatchSize(24).build(),
        Checkpointing.none()).fit(model, new TaskHeads(classes, 16, manager), tasks(64));
    routingBefore.forEach((name, before) -> assertTrue(
        before.contentEquals(experts.routingParameters().get(name).getArray()), name + " stayed"));
    assertTrue(!expertsBefore.contentEquals(experts.expertsB().getArray()), "the experts trained");
  }

  @Test
  void aDeclarationCanRouteOneOfItsTasksAlone() {
    AdapterSpec spec = AdapterSpec.builder("test.Three")
        .target(RankExpertsConfig.builder().setExperts(4, 2).build(), "0", "2")
        .optTaskRouter(new TaskRouterConfig(TASKS, true, 0.1))
        .build();
    AdapterSpec alone = spec.withTasks(List.of("second"));
    assertEquals(new TaskRouterConfig(List.of("second"), true, 0.1), alone.taskRouter().orElseThrow());
    assertEquals(spec.targetRules(), alone.targetRules());
    assertEquals(spec.declaringType(), alone.declaringType());
  }
}
