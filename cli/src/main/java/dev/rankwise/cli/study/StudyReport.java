package dev.rankwise.cli.study;

import dev.rankwise.runtime.io.AtomicFiles;
import dev.rankwise.runtime.train.TaskMetrics;
import dev.rankwise.cli.job.Method;
import dev.rankwise.reporting.Charts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Turns the results file into {@link #FILE} and its charts, beside it: per claim, each method's mean ± 95 %
 * CI over seeds, the paired differences against the reference, and a verdict.
 */
public final class StudyReport {

  /** A report's file name, in its grid's folder beside the results file (this report's and {@link TunedReport}'s). */
  public static final String FILE = "REPORT.md";

  /** What the study does and how it decides, printed under the header. */
  public static final String INTRODUCTION = """
      The paper (Zhang et al., Front. Comput. Sci. 2025) claims, on GLUE with RoBERTa: (1) the decomposed
      update B'TA' beats LoRA at about the same parameters; (2) rank-wise experts with task routing beat shared
      LoRA in multi-task training. Here both are tested on all-MiniLM-L6-v2 and the vendored real tasks (spam,
      fine-food, Reuters grain and corn), with the main job's setup: adapters on the query and value
      projections of layers 4 and 5, the layers below computed once, one head per task, AdamW 5e-3 with
      linear decay, 96 tokens, all test rows. Claim 1 trains each task alone on 1,200 rows for one epoch (38
      steps of 32); claim 2 and the ablations train the four tasks together on 600 rows each for one epoch
      (75 steps, 8 rows per task per step). The data subsets are fixed (seed 0); a run's seed sets the
      adapters' and heads' initialisation and the batch order.

      A verdict reads the 95 % confidence interval (Student's t) of the paired differences, method minus
      reference, same seed (and same task for claim 1): **supported** if the interval lies above 0; **not
      supported** if it lies below 0, or within ± 0.5 points (a difference too small to matter);
      **inconclusive** otherwise.

      """;

  private final Map<String, RunRecord> runs;
  private final String chartFolder;
  private final String chartPrefix;
  private final String heading;
  private final List<String> claim1Methods;
  private final List<String> claim2Methods;

  /** A report on these runs (by cell id) of the first study's methods, its charts beside it. */
  public StudyReport(Map<String, RunRecord> runs) {
    this(runs, ".", "", "##", StudyGrid.CLAIM_1_METHODS, StudyGrid.CLAIM_2_METHODS);
  }

  /**
   * A report on these runs, its charts named {@code chartPrefix…png} in {@code chartFolder} (beside
   * the markdown), its sections under headings of {@code heading} ({@code ##}, {@code ###}), its
   * tables on each claim's methods, the reference first.
   */
  StudyReport(Map<String, RunRecord> runs, String chartFolder, String chartPrefix, String heading,
      List<String> claim1Methods, List<String> claim2Methods) {
    this.runs = runs;
    this.chartFolder = chartFolder;
    this.chartPrefix = chartPrefix;
    this.heading = heading;
    this.claim1Methods = List.copyOf(claim1Methods);
    this.claim2Methods = List.copyOf(claim2Methods);
  }

  /** Writes {@link #FILE} and the charts into {@code folder}. */
  public void write(Path folder, String header) throws IOException {
    AtomicFiles.write(folder.resolve(FILE), header + sections(folder));
  }

  /** The claims' sections, and the ablations' when the runs hold any; the charts drawn under {@code folder}. */
  String sections(Path folder) throws IOException {
    Path charts = folder.resolve(chartFolder);
    Files.createDirectories(charts);
    boolean ablations = runs.values().stream().anyMatch(run -> run.cell().experiment().equals(StudyGrid.ABLATIONS));
    return claim1(charts) + claim2(charts) + (ablations ? ablations(charts) : "");
  }

  /** Claim 1's paired accuracy differences, {@code method} minus LoRA r=8, same task and seed, over every task. */
  List<Double> claim1Differences(String method) {
    List<Double> differences = new ArrayList<>();
    for (String task : StudyGrid.CLAIM_1_TASKS) {
      differences.addAll(paired(StudyGrid.CLAIM_1, method, StudyGrid.CLAIM_1, claim1Methods.get(0),
          List.of(task), run -> run.metrics().get(task).accuracy()));
    }
    return differences;
  }

  /** Claim 2's paired differences in mean accuracy, {@code method} minus shared LoRA, same seed. */
  List<Double> claim2Differences(String method) {
    return paired(StudyGrid.CLAIM_2, method, StudyGrid.CLAIM_2, claim2Methods.get(0), StudyGrid.ALL_TASKS,
        RunRecord::meanAccuracy);
  }

  private List<RunRecord> runs(String experiment, String method, List<String> tasks) {
    return runs.values().stream().filter(run -> run.cell().experiment().equals(experiment)
        && run.cell().method().equals(method) && run.cell().tasks().equals(tasks))
        .sorted(java.util.Comparator.comparingLong(run -> run.cell().seed())).toList();
  }

  private static String label(String method) {
    return Method.byId(method).label();
  }

  private String claim1(Path charts) throws IOException {
    StringBuilder md = new StringBuilder(heading + " Claim 1: the decomposed update against LoRA, each task alone\n\n"
        + "Test accuracy, mean ± 95 % CI over seeds; adapter parameters over all the adapted layers.\n\n"
        + "| method | adapter params |");
    StudyGrid.CLAIM_1_TASKS.forEach(task -> md.append(' ').append(task).append(" |"));
    md.append(" mean |\n|---|---:|").append("---:|".repeat(StudyGrid.CLAIM_1_TASKS.size() + 1)).append('\n');
    Map<String, Map<String, Double>> chart = new LinkedHashMap<>();
    for (String method : claim1Methods) {
      md.append("| ").append(label(method)).append(" | ").append(parameters(StudyGrid.CLAIM_1, method)).append(" |");
      Map<String, Double> byTask = new LinkedHashMap<>();
      List<Double> means = new ArrayList<>();
      for (String task : StudyGrid.CLAIM_1_TASKS) {
        Stats.Summary summary = summary(runs(StudyGrid.CLAIM_1, method, List.of(task)), task, TaskMetrics::accuracy);
        md.append(' ').append(summary == null ? "—" : summary.format()).append(" |");
        if (summary != null) {
          byTask.put(task, summary.mean());
          means.add(summary.mean());
        }
      }
      md.append(String.format(Locale.ROOT, " %.3f |%n", means.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN)));
      chart.put(label(method), byTask);
    }
    drawBars(charts.resolve(chartPrefix + "claim1-accuracy.png"), "Claim 1: test accuracy, each task trained alone", chart);
    md.append("\n![claim 1 accuracy](" + chartFolder + "/" + chartPrefix + "claim1-accuracy.png)\n\n")
        .append("Paired differences against LoRA r=8 (same task, same seed), accuracy in points with 95 % CI,"
            + " over every task and seed:\n\n| method | difference | pairs | verdict on \"beats LoRA\" |\n|---|---:|---:|---|\n");
    String square = null;
    for (String method : claim1Methods.subList(1, claim1Methods.size())) {
      List<Double> differences = claim1Differences(method);
      if (differences.isEmpty()) {
        continue;
      }
      Stats.Summary difference = Stats.of(differences.stream().mapToDouble(Double::doubleValue).toArray());
      String verdict = Stats.verdict(difference);
      if (method.equals("decomposed-8x8")) {
        square = verdict;
      }
      md.append("| ").append(label(method)).append(" | ").append(difference.formatPoints()).append(" | ")
          .append(difference.n()).append(" | ").append(verdict).append(" |\n");
    }
    md.append("\n**Verdict, claim 1** (the paper's square case, a = b = 8, against LoRA r = 8): ")
        .append(square == null ? "no runs yet" : square).append(".\n\n");
    return md.toString();
  }

  private String claim2(Path charts) throws IOException {
    StringBuilder md = new StringBuilder(heading + " Claim 2: rank experts with task routing against LoRA, all tasks together\n\n");
    md.append(multiTaskTable(StudyGrid.CLAIM_2, claim2Methods, charts.resolve(chartPrefix + "claim2-accuracy.png"),
        "Claim 2: test accuracy, four tasks trained together", "claim2"));
    md.append("Paired differences in mean accuracy over the four tasks against shared LoRA (same seed):\n\n"
        + "| method | difference | pairs | verdict on \"beats shared LoRA\" |\n|---|---:|---:|---|\n");
    List<String> verdicts = new ArrayList<>();
    for (String method : claim2Methods.subList(1, claim2Methods.size())) {
      String verdict = pairedRow(md, StudyGrid.CLAIM_2, method, StudyGrid.CLAIM_2, "shared-lora");
      if (method.startsWith("rank-experts")) {
        verdicts.add(label(method) + ": " + verdict);
      }
    }
    md.append("\n**Verdict, claim 2** (rank experts with task routing against shared LoRA): ")
        .append(verdicts.isEmpty() ? "no runs yet" : String.join("; ", verdicts)).append(".\n\n");
    return md.toString();
  }

  private String ablations(Path charts) throws IOException {
    List<String> methods = new ArrayList<>(List.of("rank-experts"));
    methods.addAll(StudyGrid.ABLATION_METHODS);
    StringBuilder md = new StringBuilder(heading + " Ablations of the rank experts, all tasks together\n\n"
        + "The reference is the main job's rank experts (three of nine, gates trained, no contrastive loss),"
        + " from claim 2's runs.\n\n");
    md.append(multiTaskTable(null, methods, charts.resolve(chartPrefix + "ablations-accuracy.png"),
        "Ablations: test accuracy, four tasks trained together", "ablations"));
    md.append("Paired differences in mean accuracy against the reference (same seed):\n\n"
        + "| variant | difference | pairs | verdict on \"beats the reference\" |\n|---|---:|---:|---|\n");
    for (String method : StudyGrid.ABLATION_METHODS) {
      pairedRow(md, StudyGrid.ABLATIONS, method, StudyGrid.CLAIM_2, "rank-experts");
    }
    md.append('\n');
    return md.toString();
  }

  /** A table of multi-task runs; {@code experiment} null takes each method's own experiment. */
  private String multiTaskTable(String experiment, List<String> methods, Path chartFile, String title, String chartName)
      throws IOException {
    StringBuilder md = new StringBuilder("Test accuracy, mean ± 95 % CI over seeds (F1 of the positive class in"
        + " `results.jsonl`).\n\n| method | adapter params |");
    StudyGrid.ALL_TASKS.forEach(task -> md.append(' ').append(task).append(" |"));
    md.append(" mean accuracy | seeds |\n|---|---:|").append("---:|".repeat(StudyGrid.ALL_TASKS.size() + 2)).append('\n');
    Map<String, Map<String, Double>> chart = new LinkedHashMap<>();
    for (String method : methods) {
      String owner = experiment != null ? experiment : experimentOf(method);
      List<RunRecord> selected = runs(owner, method, StudyGrid.ALL_TASKS);
      if (selected.isEmpty()) {
        continue;
      }
      md.append("| ").append(label(method)).append(" | ").append(parameters(owner, method)).append(" |");
      Map<String, Double> byTask = new LinkedHashMap<>();
      for (String task : StudyGrid.ALL_TASKS) {
        Stats.Summary summary = summary(selected, task, TaskMetrics::accuracy);
        md.append(' ').append(summary.format()).append(" |");
        byTask.put(task, summary.mean());
      }
      Stats.Summary mean = Stats.of(selected.stream().mapToDouble(RunRecord::meanAccuracy).toArray());
      md.append(' ').append(mean.format()).append(" | ").append(selected.size()).append(" |\n");
      chart.put(label(method), byTask);
    }
    drawBars(chartFile, title, chart);
    return md.append("\n![").append(chartName).append(" accuracy](").append(chartFolder).append('/')
        .append(chartFile.getFileName())
        .append(")\n\n").toString();
  }

  private static String experimentOf(String method) {
    return StudyGrid.CLAIM_2_METHODS.contains(method) ? StudyGrid.CLAIM_2 : StudyGrid.ABLATIONS;
  }

  private String pairedRow(StringBuilder md, String experiment, String method, String referenceExperiment,
      String reference) {
    List<Double> differences = paired(experiment, method, referenceExperiment, reference, StudyGrid.ALL_TASKS,
        RunRecord::meanAccuracy);
    if (differences.isEmpty()) {
      return "no runs yet";
    }
    Stats.Summary difference = Stats.of(differences.stream().mapToDouble(Double::doubleValue).toArray());
    String verdict = Stats.verdict(difference);
    md.append("| ").append(label(method)).append(" | ").append(difference.formatPoints()).append(" | ")
        .append(difference.n()).append(" | ").append(verdict).append(" |\n");
    return verdict;
  }

  /** Differences {@code method − reference} of a value, paired by seed. */
  private List<Double> paired(String experiment, String method, String referenceExperiment, String reference,
      List<String> tasks, ToDoubleFunction<RunRecord> value) {
    Map<Long, RunRecord> byseed = new LinkedHashMap<>();
    runs(referenceExperiment, reference, tasks).forEach(run -> byseed.put(run.cell().seed(), run));
    List<Double> differences = new ArrayList<>();
    for (RunRecord run : runs(experiment, method, tasks)) {
      RunRecord other = byseed.get(run.cell().seed());
      if (other != null) {
        differences.add(value.applyAsDouble(run) - value.applyAsDouble(other));
      }
    }
    return differences;
  }

  private static Stats.Summary summary(List<RunRecord> selected, String task, ToDoubleFunction<TaskMetrics> value) {
    if (selected.isEmpty()) {
      return null;
    }
    return Stats.of(selected.stream().mapToDouble(run -> value.applyAsDouble(run.metrics().get(task))).toArray());
  }

  private String parameters(String experiment, String method) {
    return runs.values().stream().filter(run -> run.cell().experiment().equals(experiment)
            && run.cell().method().equals(method)).findFirst()
        .map(run -> String.format(Locale.ROOT, "%,d", run.adapterParameters())).orElse("—");
  }

  private static void drawBars(Path file, String title, Map<String, Map<String, Double>> chart) throws IOException {
    chart.values().removeIf(Map::isEmpty);
    if (!chart.isEmpty()) {
      Charts.groupedBars(file, title, "test accuracy", chart);
    }
  }
}
