package dev.rankwise.cli;

import ai.djl.ndarray.NDManager;
import dev.rankwise.runtime.train.TaskMetrics;
import dev.rankwise.runtime.train.TaskTrainer;
import dev.rankwise.cli.job.EncoderSession;
import dev.rankwise.cli.job.Method;
import dev.rankwise.cli.job.MethodTrainer;
import dev.rankwise.cli.job.RunSettings;
import dev.rankwise.cli.job.TaskTexts;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Evaluates saved adapters on every task's test split. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Load a method's saved adapters and heads and report each task's test accuracy and F1.")
final class EvalCommand implements Callable<Integer> {

  @Mixin CommonOptions common;
  @Mixin RunOptions run;
  @Mixin AdapterOptions adapter;

  @Override
  public Integer call() throws Exception {
    common.applyToEngine();
    Method method = adapter.method();
    RunSettings settings = run.settings(common.seed);
    List<TaskTexts> tasks = TaskTexts.read(common.data, method.tasks(), 1, settings.testRows(), settings.seed());
    try (EncoderSession session = new EncoderSession(tasks, settings.maxLength(), true);
        NDManager manager = NDManager.newBaseManager()) {
      MethodTrainer.Loaded loaded = MethodTrainer.load(session, method, adapter.folder(common), manager);
      List<TaskMetrics> metrics = TaskTrainer.builder().setConfig(settings.trainingConfig()).build()
          .evaluate(loaded.model(), loaded.heads(), session.taskData(loaded.model(), 0));
      System.out.println(method.label() + " from " + adapter.folder(common) + ":");
      metrics.forEach(m -> System.out.println("  " + m));
    }
    return 0;
  }
}
