package dev.rankwise.cli;

import dev.rankwise.cli.job.EncoderSession;
import dev.rankwise.cli.job.RunSettings;
import dev.rankwise.cli.job.TaskTexts;
import dev.rankwise.runtime.infer.TaskClassifier;
import dev.rankwise.runtime.io.ClassifierRecord;
import dev.rankwise.runtime.train.TaskTrainer;
import dev.rankwise.runtime.train.TaskMetrics;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Evaluates saved adapters on every task's test split. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Load saved adapters and heads and report each task's test accuracy and F1.")
final class EvalCommand implements Callable<Integer> {

  @Mixin CommonOptions common;
  @Mixin RunOptions run;
  @Mixin AdapterOptions adapter;
  @Mixin BaseOptions base;

  @Override
  public Integer call() throws Exception {
    common.applyToEngine();
    Path folder = adapter.folder(common);
    RunSettings settings = run.settings(common.seed);
    ClassifierRecord saved = ClassifierRecord.read(folder);
    List<String> tasks = saved.tasks();
    List<TaskTexts> texts = TaskTexts.read(common.data, tasks, 1, settings.testRows(), settings.seed());
    for (TaskTexts task : texts) {
      List<String> trained = saved.labels().get(task.name());
      if (!trained.equals(task.labels())) {
        throw new IllegalArgumentException("task '" + task.name() + "': the adapters in " + folder + " were trained"
            + " with labels " + trained + " (in that order), but " + common.data + " declares " + task.labels()
            + "; evaluate with the data they were trained on");
      }
    }
    try (EncoderSession session = new EncoderSession(texts, base.forAdapters().forAdapters(saved, run.maxLength), true);
        TaskClassifier classifier = TaskClassifier.load(folder, session.encoder())) {
      List<TaskMetrics> metrics = TaskTrainer.builder().setConfig(settings.trainingConfig()).build()
          .evaluate(classifier.adapted().block(), classifier.heads(), session.taskData(tasks));
      System.out.println(adapter.label(common) + ":");
      metrics.forEach(m -> System.out.println("  " + m));
    }
    return 0;
  }
}
