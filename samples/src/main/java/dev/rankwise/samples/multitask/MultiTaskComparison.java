package dev.rankwise.samples.multitask;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.train.TaskData;
import dev.rankwise.runtime.train.TaskHeads;
import dev.rankwise.runtime.train.TaskMetrics;
import dev.rankwise.runtime.train.TaskSampling;
import dev.rankwise.runtime.train.TaskTrainer;
import dev.rankwise.runtime.train.TrainingConfig;
import dev.rankwise.runtime.train.TrainingResult;
import dev.rankwise.samples.quickstart.Mlp;
import dev.rankwise.samples.quickstart.ShiftedTasks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Multi-task fine-tuning on a synthetic problem: a small model is pretrained on one task, frozen,
 * and each method of {@link Methods} then learns three other tasks at once through its adapters
 * and one head per task. The model's output has only two features, so one adapter shared by all
 * tasks must serve three different decision directions through it, while routed adapters give each
 * task its own. Prints a comparison table and the experts each task selected.
 */
public final class MultiTaskComparison {

  /** The tasks, in the declarations' order, and their decision directions over 8 inputs. */
  static final Map<String, double[]> TASKS = new LinkedHashMap<>();

  static {
    TASKS.put("north", new double[] {1, 0, 0, 0, 0, 0, 0, 0});
    TASKS.put("east", new double[] {0, 1, 0, 0, 0, 0, 0, 0});
    TASKS.put("diagonal", new double[] {0, 0, 1, 1, 0, 0, 0, 0});
  }

  private MultiTaskComparison() {}

  /** One method's result. */
  record Row(String method, long trainable, List<TaskMetrics> metrics, String experts) {
    double meanAccuracy() {
      return metrics.stream().mapToDouble(TaskMetrics::accuracy).average().orElse(0);
    }
  }

  /** Runs the comparison. */
  public static void main(String[] args) {
    List<Row> rows = run(8);
    System.out.println();
    System.out.println(table(rows));
  }

  /** Trains every method for {@code epochs} and returns one row each. */
  static List<Row> run(int epochs) {
    Map<String, Function<Block, AdaptedModel>> methods = new LinkedHashMap<>();
    methods.put("shared LoRA (r=8)", Methods_SharedLora_Adapter::attach);
    methods.put("per-task LoRA (r=3 each)", Methods_PerTaskLora_Adapter::attach);
    methods.put("decomposed LoRA (a=6, b=8)", Methods_DecomposedLora_Adapter::attach);
    methods.put("rank experts + task router (R=4, k=2)", Methods_RankExpertsRouted_Adapter::attach);
    List<Row> rows = new ArrayList<>();
    try (NDManager manager = NDManager.newBaseManager()) {
      List<TaskData> tasks = tasks(manager);
      for (Map.Entry<String, Function<Block, AdaptedModel>> method : methods.entrySet()) {
        System.out.println("== " + method.getKey());
        Engine.getInstance().setRandomSeed(0);
        Mlp model = pretrained(manager);
        AdaptedModel adapted = method.getValue().apply(model);
        TaskHeads heads = TaskHeads.forTasks(tasks, 2, manager);
        long adapterParameters = adapted.summary().trainable();
        TrainingConfig config = TrainingConfig.builder()
            .setLearningRate(2e-2).optEpochs(epochs).optBatchSize(48).optWarmupSteps(20).build();
        TrainingResult result = TaskTrainer.builder().setConfig(config).optSampling(new TaskSampling.RoundRobin())
            .build().fit(adapted, heads, tasks);
        StringBuilder experts = new StringBuilder();
        adapted.selectedExperts().forEach((path, byTask) -> {
          experts.append(path).append(": ");
          byTask.forEach((task, selected) -> experts.append(task).append(Arrays.toString(selected)).append(' '));
          experts.append("; ");
        });
        rows.add(new Row(method.getKey(), adapterParameters, result.metrics(), experts.toString().trim()));
      }
    }
    return rows;
  }

  /** The base: {@link Mlp} with two outputs, pretrained on the quick start's base task, then frozen. */
  private static Mlp pretrained(NDManager manager) {
    Mlp model = new Mlp(32, 2);
    model.initialize(manager, DataType.FLOAT32, new Shape(1, ShiftedTasks.FEATURES));
    TrainingConfig pretraining = TrainingConfig.builder().setLearningRate(1e-2).optEpochs(10).optBatchSize(64).build();
    TaskData base = ShiftedTasks.task(manager, "base", ShiftedTasks.BASE, 2048, 0, 512, 1);
    TaskTrainer.builder().setConfig(pretraining).build()
        .fit(model, TaskHeads.identity(List.of(base.name())), List.of(base));
    return model;
  }

  /** 1,500 training and 500 test rows per task, each labelled by its own direction. */
  static List<TaskData> tasks(NDManager manager) {
    Random random = new Random(7);
    List<TaskData> tasks = new ArrayList<>();
    for (Map.Entry<String, double[]> task : TASKS.entrySet()) {
      NDArray[] train = sample(manager, task.getValue(), 1500, random);
      NDArray[] test = sample(manager, task.getValue(), 500, random);
      tasks.add(new TaskData(task.getKey(), 2, train[0], train[1], test[0], test[1]));
    }
    return tasks;
  }

  private static NDArray[] sample(NDManager manager, double[] direction, int rows, Random random) {
    int features = ShiftedTasks.FEATURES;
    float[] x = new float[rows * features];
    float[] y = new float[rows];
    for (int i = 0; i < rows; i++) {
      double projection = 0;
      for (int j = 0; j < features; j++) {
        x[i * features + j] = (float) random.nextGaussian();
        projection += x[i * features + j] * direction[j];
      }
      y[i] = projection > 0 ? 1 : 0;
    }
    return new NDArray[] {manager.create(x, new Shape(rows, features)), manager.create(y)};
  }

  /** The comparison as a Markdown table. */
  static String table(List<Row> rows) {
    StringBuilder table = new StringBuilder("| method | adapter params |");
    TASKS.keySet().forEach(task -> table.append(' ').append(task).append(" acc / macro-F1 |"));
    table.append(" mean acc |\n|---|---|");
    TASKS.keySet().forEach(task -> table.append("---|"));
    table.append("---|\n");
    for (Row row : rows) {
      table.append(String.format(Locale.ROOT, "| %s | %,d |", row.method(), row.trainable()));
      for (TaskMetrics metrics : row.metrics()) {
        table.append(String.format(Locale.ROOT, " %.3f / %.3f |", metrics.accuracy(), metrics.macroF1()));
      }
      table.append(String.format(Locale.ROOT, " %.3f |%n", row.meanAccuracy()));
    }
    for (Row row : rows) {
      if (!row.experts().isEmpty()) {
        table.append("\nselected experts, ").append(row.method()).append(": ").append(row.experts());
      }
    }
    return table.toString();
  }
}
