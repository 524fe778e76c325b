package dev.rankwise.cli;

import dev.rankwise.encoders.bert.BertEncoder;
import dev.rankwise.runtime.infer.TaskClassifier;
import dev.rankwise.runtime.io.ClassifierRecord;
import dev.rankwise.runtime.peft.PeftExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Writes saved adapters as Hugging Face PEFT LoRA adapters, one per task. */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Write saved adapters as Hugging Face PEFT LoRA adapters (the files PEFT's save_pretrained"
        + " writes, PEFT " + PeftExport.PEFT_RELEASE + "): one adapter per task, in <OUT>/<task>/, each with the"
        + " task's head as a modules_to_save 'classifier'; the scale folded in, so every method exports exactly."
        + " Token-routed experts cannot be exported.")
final class ExportCommand implements Callable<Integer>, WritesOutput {

  @Mixin CommonOptions common;
  @Mixin AdapterOptions adapter;
  @Mixin BaseOptions base;

  @Option(names = "--peft", required = true, paramLabel = "OUT",
      description = "Folder for the PEFT adapters (PEFT's multi-adapter layout: <OUT>/<adapter>/).")
  Path peft;

  /** --out, or the folder that holds --peft when that lies outside --out: the lock stays out of the adapters. */
  @Override
  public Path outputFolder() {
    Path out = common.out.toAbsolutePath().normalize();
    Path folder = peft.toAbsolutePath().normalize();
    return folder.startsWith(out) || folder.getParent() == null ? common.out : folder.getParent();
  }

  @Override
  public Integer call() throws Exception {
    common.applyToEngine();
    Path folder = adapter.folder(common);
    if (Files.exists(peft) && Files.isSameFile(peft, folder)) {
      throw new IllegalArgumentException("--peft " + peft + " is the adapters' own folder; export into another");
    }
    ClassifierRecord record = ClassifierRecord.read(folder);
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

  /** PEFT's base_model_name_or_path: the model folder given as --base, else the Hub id the record names. */
  private String baseModelName(ClassifierRecord record) {
    if (base.base != null && Files.isDirectory(Path.of(base.base))) {
      return Path.of(base.base).toAbsolutePath().normalize().toString();
    }
    return record.encoder();
  }
}
