package dev.rankwise.cli;

import dev.rankwise.cli.job.DemoJob;
import dev.rankwise.cli.job.DemoReport;
import dev.rankwise.cli.job.Method;
import dev.rankwise.cli.job.ReportWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Trains every method and the probe on all tasks and writes the report. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Fine-tune a base (all-MiniLM-L6-v2 unless --base) with every method on all tasks, compare them with the"
        + " frozen encoder, and write report.md, results.json, charts and adapters into --out.")
final class DemoCommand implements Callable<Integer>, WritesOutput {

  @Mixin CommonOptions common;
  @Mixin RunOptions run;
  @Mixin BaseOptions base;

  @Option(names = "--methods", paramLabel = "ID", split = ",",
      description = "Only these methods, comma-separated (default: all).")
  List<String> methods;

  @Override
  public Path outputFolder() {
    return common.out;
  }

  @Override
  public Integer call() throws Exception {
    common.applyToEngine();
    DemoReport report = new DemoJob(common.data, base.forTraining(), run.settings(common.seed), true)
        .run(methods == null ? Method.ALL : methods.stream().map(Method::byId).toList(), common.out);
    System.out.println();
    System.out.println(report.table());
    System.out.print(report.selectedExperts());
    System.out.printf(Locale.ROOT, "Wall time %.0f s. Report: %s%n", report.seconds(),
        common.out.resolve(ReportWriter.REPORT));
    return 0;
  }
}
