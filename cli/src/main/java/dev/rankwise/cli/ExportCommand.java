package dev.rankwise.cli;

import dev.rankwise.encoders.bert.BertEncoder;
import dev.rankwise.encoders.bert.MergedExport;
import dev.rankwise.encoders.bert.Pooling;
import dev.rankwise.runtime.infer.TaskClassifier;
import dev.rankwise.runtime.io.ClassifierRecord;
import dev.rankwise.runtime.peft.PeftExport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Writes saved adapters for Hugging Face: as PEFT LoRA adapters, one per task, or as the base with one
 * task's adapters merged, a plain model folder.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Write saved adapters for Hugging Face, as one of:",
        "--peft: PEFT LoRA adapters (the files PEFT's save_pretrained writes, PEFT " + PeftExport.PEFT_RELEASE
        + "): one adapter per task, in <OUT>/<task>/, each with the task's head as a modules_to_save 'classifier';"
        + " the scale folded in, so every method exports exactly.",
        "--merged: the base with one task's adapters merged in, a Hugging Face model folder (config.json,"
        + " model.safetensors, tokenizer.json, the base's sentence-transformers pooling) that transformers,"
        + " sentence-transformers and --base read.",
        "Token-routed experts cannot be exported."})
final class ExportCommand implements Callable<Integer>, WritesOutput {

  @Mixin CommonOptions common;
  @Mixin AdapterOptions adapter;
  @Mixin BaseOptions base;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  /** Where the export goes, and as what: exactly one of the two. */
  static final class Target {
    @Option(names = "--peft", paramLabel = "OUT",
        description = "Folder for the PEFT adapters (PEFT's multi-adapter layout: <OUT>/<adapter>/).")
    Path peft;

    @Option(names = "--merged", paramLabel = "OUT",
        description = "Folder for the base with --task's adapters merged in, a Hugging Face model folder.")
    Path merged;

    Path folder() {
      return peft != null ? peft : merged;
    }
  }

  @Option(names = "--task", paramLabel = "NAME",
      description = "With --merged: the task whose adapters are merged into the base.")
  String task;

  /** --out, or the folder that holds the export when that lies outside --out: the lock stays out of it. */
  @Override
  public Path outputFolder() {
    return WritesOutput.holding(common.out, target.folder());
  }

  @Override
  public Integer call() throws Exception {
    common.applyToEngine();
    Path folder = adapter.folder(common);
    Path destination = target.folder();
    if (Files.exists(destination) && Files.isSameFile(destination, folder)) {
      throw new IllegalArgumentException((target.peft != null ? "--peft " : "--merged ") + destination
          + " is the adapters' own folder; export into another");
    }
    ClassifierRecord record = ClassifierRecord.read(folder);
    if (target.merged != null) {
      return merged(folder, record);
    }
    if (task != null) {
      throw new IllegalArgumentException("--task goes with --merged; --peft exports every task");
    }
    Path peft = target.peft;
    List<PeftExport.Exported> exported;
    try (BertEncoder encoder = base.forAdapters().forAdapters(record, null);
        TaskClassifier classifier = TaskClassifier.load(folder, encoder)) {
      PeftExport export = PeftExport.forBase(baseModelName(record))
          .taskType("FEATURE_EXTRACTION").heads(classifier.heads()).record(record);
      try {
        exported = export.write(classifier.adapted(), peft);
      } catch (IllegalStateException noPlainForm) {
        throw new IllegalArgumentException(noPlainForm.getMessage(), noPlainForm);
      }
    }
    for (PeftExport.Exported one : exported) {
      System.out.printf("%s: PEFT LoRA r=%d in %s%n", one.adapter(), one.rank(), one.folder());
    }
    System.out.println("Load one with PeftModel.from_pretrained(AutoModel.from_pretrained(base), \"<folder>\");"
        + " its head is the module 'classifier' (docs/CLI.md, Hugging Face interop)");
    return 0;
  }

  private int merged(Path folder, ClassifierRecord record) throws IOException {
    if (task == null || !record.tasks().contains(task)) {
      throw new IllegalArgumentException((task == null ? "--merged needs --task NAME" : "--task " + task
          + " is not a task of " + folder) + ": its tasks are " + String.join(", ", record.tasks()));
    }
    Pooling pooling;
    try (BertEncoder encoder = base.forAdapters().forAdapters(record, null);
        TaskClassifier classifier = TaskClassifier.load(folder, encoder)) {
      pooling = encoder.pooling();
      // Adapters without a task router serve every task alike: all of them are the task's.
      boolean routed = classifier.adapted().spec().taskRouter().isPresent();
      try {
        MergedExport.write(encoder, classifier.adapted(), routed ? task : null, target.merged);
      } catch (IllegalStateException noMerge) {
        throw new IllegalArgumentException(noMerge.getMessage(), noMerge);
      }
    }
    System.out.printf("%s: the base with its adapters merged in %s (pooling %s%s, in modules.json)%n", task,
        target.merged, pooling.mode().name().toLowerCase(Locale.ROOT), pooling.normalize() ? ", normalised" : "");
    if (!pooling.prefix().isEmpty()) {
      System.out.printf("Every text is prefixed \"%s\": sentence-transformers and --base read it as the default"
          + " prompt; with AutoModel, put it before the texts yourself%n", pooling.prefix());
    }
    System.out.println("Load it with AutoModel.from_pretrained or SentenceTransformer(\"<folder>\"), or train on it"
        + " with --base <folder> (docs/CLI.md, Hugging Face interop)");
    return 0;
  }

  /** PEFT's base_model_name_or_path: the model folder given as --base, else the Hub id the record names. */
  private String baseModelName(ClassifierRecord record) {
    if (base.base != null && Files.isDirectory(Path.of(base.base))) {
      return Path.of(base.base).toAbsolutePath().normalize().toString();
    }
    return record.encoder();
  }
}
