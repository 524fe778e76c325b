package dev.rankwise.cli;

import dev.rankwise.cli.job.BaseModel;
import dev.rankwise.cli.job.EncoderSession;
import dev.rankwise.cli.job.Method;
import dev.rankwise.cli.job.MethodResult;
import dev.rankwise.cli.job.MethodTrainer;
import dev.rankwise.cli.job.RunSettings;
import dev.rankwise.cli.job.TaskAdder;
import dev.rankwise.cli.job.TaskTexts;
import dev.rankwise.runtime.train.TaskMetrics;
import dev.rankwise.runtime.train.TrainerListener;
import dev.rankwise.runtime.train.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A measurement, not a test (no test runs it): for each method given, the added task's test
 * accuracy after {@code add-task} on adapters trained on the other tasks, against training all
 * tasks together with the same settings (the quick or standard preset). Run from the reactor's test
 * classpath:
 *
 * <pre>
 * java -cp cli/target/test-classes:cli/target/classes:$(cat classpath) dev.rankwise.cli.AddTaskMeasurement \
 *     quick data /tmp/out corn per-task-lora rank-experts
 * </pre>
 *
 * <p>With {@code -Dadd.only=true} it only adds the task again to the folders a run left in the
 * output folder, with {@code -Dadd.batchSize=N} rows per step (such as the added task's share of a
 * joint run's batch, so that it takes as many steps of as many rows as there).
 */
public final class AddTaskMeasurement {

  private AddTaskMeasurement() {}

  /** Arguments: the preset (quick or standard), data folder, output folder, the task to add, then method ids. */
  public static void main(String[] args) throws Exception {
    new CommonOptions().applyToEngine();
    RunSettings settings = args[0].equals("quick") ? RunSettings.quick(0) : RunSettings.standard(0);
    Path data = Path.of(args[1]);
    Path out = Path.of(args[2]);
    String added = args[3];
    List<String> methods = List.of(args).subList(4, args.length);
    if (Boolean.getBoolean("add.only")) {
      addOnly(settings, data, out, added, methods, Integer.getInteger("add.batchSize", settings.batchSize()));
      return;
    }
    TrainingConfig config = settings.trainingConfig();
    List<String> all = Method.byId(methods.get(0)).tasks();
    List<String> others = all.stream().filter(task -> !task.equals(added)).toList();
    StringBuilder table = new StringBuilder();
    try (EncoderSession session = new EncoderSession(TaskTexts.read(data, all, settings.trainRows(),
        settings.testRows(), settings.seed()), BaseModel.DEFAULT.open(settings.maxLength()), false)) {
      for (String id : methods) {
        Method method = Method.byId(id);
        MethodResult together = new MethodTrainer(session, config, settings.sampling())
            .train(method, out.resolve(id));
        MethodResult before = new MethodTrainer(session, config, settings.sampling())
            .train(method.forTasks(others), out.resolve(id + "-without-" + added));
        TaskAdder.AddedTask after = new TaskAdder(session, config, TrainerListener.NONE)
            .add(out.resolve(id + "-without-" + added), added, out.resolve(id + "-without-" + added + "+" + added));
        TaskMetrics joint = metrics(together.metrics(), added);
        table.append(String.format(Locale.ROOT, "%s | %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %,d | %,d | %d"
            + " | %.0f s%n", id, added, joint.accuracy(), after.metrics().accuracy(), joint.macroF1(),
            after.metrics().macroF1(), joint.positiveF1(), after.metrics().positiveF1(),
            together.adapterParameters(), after.trainedParameters(), after.result().losses().size(),
            after.seconds()));
        for (String task : others) {
          table.append(String.format(Locale.ROOT, "  %s: together %.4f, without %s %.4f%n", task,
              metrics(together.metrics(), task).accuracy(), added, metrics(before.metrics(), task).accuracy()));
        }
        System.out.print(table);
      }
    }
    Files.writeString(out.resolve("add-task.txt"), table);
  }

  private static void addOnly(RunSettings preset, Path data, Path out, String added, List<String> methods,
      int batchSize) throws Exception {
    RunSettings settings = new RunSettings(preset.trainRows(), preset.testRows(), preset.maxLength(),
        preset.epochs(), batchSize, preset.learningRate(), preset.probeSteps(), preset.seed());
    StringBuilder table = new StringBuilder();
    try (EncoderSession session = new EncoderSession(TaskTexts.read(data, List.of(added), settings.trainRows(),
        settings.testRows(), settings.seed()), BaseModel.DEFAULT.open(settings.maxLength()), false)) {
      for (String id : methods) {
        Path source = out.resolve(id + "-without-" + added);
        TaskAdder.AddedTask after = new TaskAdder(session, settings.trainingConfig(), TrainerListener.NONE)
            .add(source, added, out.resolve(id + "-without-" + added + "+" + added + "-batch" + batchSize));
        table.append(String.format(Locale.ROOT, "%s | %s | batch %d | %.4f | %.4f | %.4f | %,d | %d | %.0f s%n",
            id, added, batchSize, after.metrics().accuracy(), after.metrics().macroF1(),
            after.metrics().positiveF1(), after.trainedParameters(), after.result().losses().size(), after.seconds()));
        System.out.print(table);
      }
    }
    Files.writeString(out.resolve("add-task-batch" + batchSize + ".txt"), table);
  }

  private static TaskMetrics metrics(List<TaskMetrics> metrics, String task) {
    return metrics.stream().filter(m -> m.task().equals(task)).findFirst().orElseThrow();
  }
}
