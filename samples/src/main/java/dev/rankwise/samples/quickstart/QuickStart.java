package dev.rankwise.samples.quickstart;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.ParameterSummary;
import dev.rankwise.runtime.train.TaskData;
import dev.rankwise.runtime.train.TaskHeads;
import dev.rankwise.runtime.train.TaskMetrics;
import dev.rankwise.runtime.train.TaskTrainer;
import dev.rankwise.runtime.train.TrainingConfig;
import dev.rankwise.runtime.train.TrainingResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The quick start: "pretrain" two small models on one task, then fine-tune only their declared
 * adapters on a shifted task, merge, save, and load the adapters into a fresh copy of the base.
 *
 * <p>{@link TinyClassifier} declares its adapters on its fields; {@link ShiftAdapters} is a
 * declarative interface whose target patterns select layers of {@link Mlp} by block path. Usage:
 * {@code QuickStart [output directory]} (default {@code target/quickstart}).
 */
public final class QuickStart {

  private static final int HIDDEN = 32;
  private static final int CLASSES = 2;
  private static final int TRAIN = 2048;
  private static final int VALIDATION = 512;
  private static final int TEST = 1024;

  private QuickStart() {}

  /** Runs the quick start; the optional argument is the output directory. */
  public static void main(String[] args) throws IOException {
    for (Row row : run(Paths.get(args.length > 0 ? args[0] : "target/quickstart"))) {
      if (!row.reloaded()) {
        throw new IllegalStateException(row.name() + ": reloaded adapters do not reproduce the trained model");
      }
    }
  }

  /** Runs the quick start, writing adapters under {@code output}; returns the table's rows. */
  static List<Row> run(Path output) throws IOException {
    Engine.getInstance().setRandomSeed(0);
    try (NDManager manager = NDManager.newBaseManager()) {
      TaskData base = ShiftedTasks.task(manager, "base", ShiftedTasks.BASE, TRAIN, 0, TEST, 1);
      TaskData shifted =
          ShiftedTasks.task(manager, "shifted", ShiftedTasks.SHIFTED, TRAIN, VALIDATION, TEST, 2);
      NDArray probe = manager.randomNormal(new Shape(8, ShiftedTasks.FEATURES));

      System.out.println("rankwise quick start: pretrain on the base task, fine-tune adapters on a"
          + " shifted task whose decision direction is orthogonal to the base task's\n");

      Supplier<TinyClassifier> tiny = () -> new TinyClassifier(HIDDEN, CLASSES);
      Row fields = run("TinyClassifier (@Lora on fields)", tiny, manager, base, shifted, probe,
          output.resolve("tiny-classifier"),
          block -> TinyClassifier_Adapter.attach(block),
          (block, directory) -> TinyClassifier_Adapter.load(block, directory));
      Supplier<Mlp> mlp = () -> new Mlp(HIDDEN, CLASSES);
      Row patterns = run("Mlp + ShiftAdapters (@Lora targets)", mlp, manager, base, shifted, probe,
          output.resolve("shift-adapters"),
          block -> ShiftAdapters_Adapter.attach(block),
          (block, directory) -> ShiftAdapters_Adapter.load(block, directory));

      System.out.println();
      System.out.println("| declaration | adapted layers | trainable params | frozen base acc. | "
          + "fine-tuned acc. | max abs(merged - unmerged) | reloaded = trained |");
      System.out.println("|---|---|---|---|---|---|---|");
      for (Row row : List.of(fields, patterns)) {
        System.out.println(row);
      }
      System.out.println("\nadapters saved under " + output.toAbsolutePath());
      return List.of(fields, patterns);
    }
  }

  private interface Attach<B extends Block> {
    AdaptedModel attach(B block);
  }

  private interface Load<B extends Block> {
    AdaptedModel load(B block, Path directory) throws IOException;
  }

  /** One result line of the quick start. */
  record Row(
      String name, List<String> layers, String summary, double before, double after,
      double mergeGap, boolean reloaded) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "| %s | %s | %s | %.3f | %.3f | %.2e | %s |",
          name, String.join(", ", layers), summary, before, after, mergeGap, reloaded);
    }
  }

  private static <B extends Block> Row run(
      String name,
      Supplier<B> newModel,
      NDManager manager,
      TaskData base,
      TaskData shifted,
      NDArray probe,
      Path directory,
      Attach<B> attach,
      Load<B> load)
      throws IOException {
    System.out.println("== " + name);
    // The models output their logits, so each task's head is the identity.
    TaskHeads baseHead = TaskHeads.identity(List.of(base.name()));
    TaskHeads shiftedHead = TaskHeads.identity(List.of(shifted.name()));

    // "Pretraining": every parameter of a fresh model trains on the base task.
    B model = newModel.get();
    model.initialize(manager, DataType.FLOAT32, new Shape(1, ShiftedTasks.FEATURES));
    TrainingConfig pretraining =
        TrainingConfig.builder().setLearningRate(1e-2).optEpochs(10).optBatchSize(64).build();
    TaskTrainer pretrainer = TaskTrainer.builder().setConfig(pretraining).build();
    pretrainer.fit(model, baseHead, List.of(base));
    byte[] baseWeights = parameters(model);
    double before = pretrainer.evaluate(model, shiftedHead, List.of(shifted)).get(0).accuracy();

    // Fine-tuning: only the declared adapters train; the best weights on the validation rows stay.
    AdaptedModel adapted = attach.attach(model);
    System.out.println(adapted.summary());
    TrainingConfig fineTuning =
        TrainingConfig.builder()
            .setLearningRate(2e-2)
            .optEpochs(15)
            .optBatchSize(64)
            .optWarmupSteps(20)
            .optEvaluateEvery(160)
            .optBestMetric(TaskMetrics.Metric.ACCURACY)
            .optKeepBest(true)
            .build();
    TrainingResult result =
        TaskTrainer.builder().setConfig(fineTuning).build().fit(adapted, shiftedHead, List.of(shifted));
    double after = result.metrics(shifted.name()).accuracy();
    System.out.println("kept step " + result.bestStep() + " of " + result.steps() + ", the best on the"
        + " validation rows: " + result.bestEvaluation().orElseThrow());

    NDArray unmerged = predict(model, probe);
    adapted.merge();
    double mergeGap = predict(model, probe).sub(unmerged).abs().max().getFloat();
    adapted.unmerge();
    adapted.save(directory);

    B fresh = newModel.get();
    fresh.initialize(manager, DataType.FLOAT32, new Shape(1, ShiftedTasks.FEATURES));
    loadParameters(fresh, baseWeights, manager);
    load.load(fresh, directory);
    boolean reloaded = predict(fresh, probe).contentEquals(unmerged);
    ParameterSummary summary = adapted.summary();
    String counts = String.format(Locale.ROOT, "%,d of %,d (%.2f%%)",
        summary.trainable(), summary.all(), summary.trainablePercent());
    return new Row(name, List.copyOf(adapted.layers().keySet()), counts, before, after, mergeGap,
        reloaded);
  }

  private static NDArray predict(Block block, NDArray input) {
    return block.forward(new ParameterStore(input.getManager(), false), new NDList(input), false)
        .singletonOrThrow();
  }

  private static byte[] parameters(Block block) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      block.saveParameters(out);
    }
    return bytes.toByteArray();
  }

  private static void loadParameters(Block block, byte[] parameters, NDManager manager)
      throws IOException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(parameters))) {
      block.loadParameters(manager, in);
    } catch (ai.djl.MalformedModelException e) {
      throw new IOException("cannot restore the base weights: " + e.getMessage(), e);
    }
  }
}
