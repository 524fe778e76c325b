package dev.rankwise.cli;

import dev.rankwise.cli.console.TrainingProgress;
import dev.rankwise.cli.job.EncoderSession;
import dev.rankwise.cli.job.RunSettings;
import dev.rankwise.cli.job.TaskAdder;
import dev.rankwise.cli.job.TaskTexts;
import dev.rankwise.runtime.io.ClassifierRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Adds a task to trained adapters, leaving every other task's predictions exactly as they were. */
@Command(name = "add-task", mixinStandardHelpOptions = true,
    description = "Add a task to trained per-task LoRA or rank-expert adapters: train only the new task's"
        + " adapter parameters and head, so that every other task predicts exactly as before; save the"
        + " extended adapters and heads into a new folder (never over the source).")
final class AddTaskCommand implements Callable<Integer>, WritesOutput {

  @Mixin CommonOptions common;
  @Mixin RunOptions run;
  @Mixin AdapterOptions adapter;
  @Mixin BaseOptions base;

  @Option(names = "--task", required = true, paramLabel = "NAME",
      description = "The task to add, as a tasks.json under --data names it.")
  String task;

  @Option(names = "--into", paramLabel = "DIR",
      description = "Folder for the extended adapters (default: --out/adapters/<source folder>+<task>).")
  Path into;

  /** --out, or the folder that holds --into when that lies outside --out. */
  @Override
  public Path outputFolder() {
    if (into == null) {
      return common.out;
    }
    return WritesOutput.holding(common.out, into);
  }

  @Override
  public Integer call() throws Exception {
    common.applyToEngine();
    Path source = adapter.folder(common);
    Path target = into != null ? into : common.out.resolve("adapters").resolve(source.getFileName() + "+" + task);
    if (target.toAbsolutePath().normalize().equals(source.toAbsolutePath().normalize())
        || (Files.exists(target) && Files.isSameFile(target, source))) {
      throw new IllegalArgumentException("--into " + target + " is the source folder; the extended adapters go"
          + " into a new folder, so the source stays as it was");
    }
    RunSettings settings = run.settings(common.seed);
    List<TaskTexts> texts = TaskTexts.read(common.data, List.of(task), settings.trainRows(), settings.testRows(),
        settings.seed());
    TaskAdder.AddedTask added;
    ClassifierRecord record = ClassifierRecord.read(source);
    try (EncoderSession session = new EncoderSession(texts, base.forAdapters().forAdapters(record, run.maxLength), true)) {
      added = new TaskAdder(session, settings.trainingConfig(), new TrainingProgress("add " + task))
          .add(source, task, target);
    }
    System.out.printf(Locale.ROOT, "added %s to %s: %,d trained parameters (its adapters and head), %d steps,"
        + " %.0f s%n", task, source, added.trainedParameters(), added.result().losses().size(), added.seconds());
    System.out.println("  " + added.metrics());
    System.out.println("  " + String.join(", ", added.tasks().subList(0, added.tasks().size() - 1))
        + ": unchanged (their adapters and heads were frozen)");
    System.out.println("Adapters and heads: " + target);
    return 0;
  }
}
