package dev.rankwise.cli.job;

import dev.rankwise.cli.console.TrainingProgress;
import dev.rankwise.runtime.train.TrainerListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The main job: every method of {@link Method#ALL} fine-tunes a base (all-MiniLM-L6-v2 unless told) on all tasks at
 * once, the frozen encoder with linear heads is the baseline, and a report with the table, charts
 * and adapter files is written to the output folder.
 */
public final class DemoJob {

  private static final double PROBE_LEARNING_RATE = 1e-2;

  private final Path dataRoot;
  private final BaseModel base;
  private final RunSettings settings;
  private final boolean progress;

  /** A job fine-tuning {@code base} on the task sets under {@code dataRoot}. */
  public DemoJob(Path dataRoot, BaseModel base, RunSettings settings, boolean progress) {
    this.dataRoot = dataRoot;
    this.base = base;
    this.settings = settings;
    this.progress = progress;
  }

  /**
   * Trains the methods and the probe, and writes {@code report.md}, {@code results.json}, the
   * charts and {@code adapters/<method>/} into {@code out}.
   *
   * @throws IllegalArgumentException if the methods do not all route the same tasks
   */
  public DemoReport run(List<Method> methods, Path out) throws IOException {
    long start = System.nanoTime();
    List<String> tasks = methods.get(0).tasks();
    for (Method method : methods) {
      if (!method.tasks().equals(tasks)) {
        throw new IllegalArgumentException("the methods must route the same tasks: " + methods.get(0).id()
            + " routes " + tasks + ", " + method.id() + " routes " + method.tasks());
      }
    }
    List<TaskTexts> texts =
        TaskTexts.read(dataRoot, tasks, settings.trainRows(), settings.testRows(), settings.seed());
    List<MethodResult> results = new ArrayList<>();
    MethodResult probe;
    double cacheSeconds;
    String baseName;
    try (EncoderSession session = new EncoderSession(texts, base.open(settings.maxLength()), progress)) {
      baseName = session.encoder().name();
      if (progress) {
        System.err.println("== frozen encoder + linear probe");
      }
      probe = new LinearProbe(session, settings.probeSteps(), PROBE_LEARNING_RATE, settings.seed())
          .run(session.firstAdaptedLayer(methods.get(0)));
      MethodTrainer trainer = new MethodTrainer(session, settings.trainingConfig(), settings.sampling(),
          progress ? new TrainingProgress("multi-task") : TrainerListener.NONE);
      for (Method method : methods) {
        if (progress) {
          System.err.println("== " + method.label());
        }
        results.add(trainer.train(method, out.resolve("adapters").resolve(method.id())));
      }
      cacheSeconds = session.cacheSeconds();
    }
    DemoReport report = new DemoReport(baseName, settings, texts, probe, results, cacheSeconds,
        (System.nanoTime() - start) / 1e9);
    new ReportWriter(out).write(report);
    return report;
  }
}
