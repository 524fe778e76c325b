package dev.rankwise.cli;

import ai.djl.ndarray.NDManager;
import dev.rankwise.cli.job.BaseModel;
import dev.rankwise.encoders.bert.BertEncoder;
import dev.rankwise.encoders.bert.MergedExport;
import dev.rankwise.encoders.bert.PeftAdapters;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.PeftImport;
import dev.rankwise.runtime.peft.PeftExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Brings a Hugging Face PEFT LoRA adapter in: merged into its base, a model folder that {@code --base}
 * trains on and any Hugging Face tool reads.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = {"Bring a PEFT LoRA adapter (PeftModel.save_pretrained's folder, PEFT " + PeftExport.PEFT_RELEASE
        + ") trained on a BERT, RoBERTa or DistilBERT model, bare or a task model such as"
        + " BertForSequenceClassification, and write its base with the adapter merged in: a Hugging Face model"
        + " folder (config.json, model.safetensors, tokenizer.json, the base's pooling) that --base trains on.",
        "rank_pattern, alpha_pattern and use_rslora are honoured; DoRA, LoRA biases and pickle (.bin) files are"
        + " refused; the task model's head (modules_to_save) is left out."})
final class ImportCommand implements Callable<Integer>, WritesOutput {

  @Mixin CommonOptions common;
  @Mixin BaseOptions base;

  @Option(names = "--peft", required = true, paramLabel = "FOLDER",
      description = "The PEFT adapter folder (adapter_config.json, adapter_model.safetensors).")
  Path peft;

  @Option(names = "--merged", required = true, paramLabel = "OUT",
      description = "Folder for the base with the adapter merged in, a Hugging Face model folder.")
  Path merged;

  /** --out, or the folder that holds the model when that lies outside --out. */
  @Override
  public Path outputFolder() {
    return WritesOutput.holding(common.out, merged);
  }

  @Override
  public Integer call() throws Exception {
    common.applyToEngine();
    if (Files.exists(merged) && Files.isSameFile(merged, peft)) {
      throw new IllegalArgumentException("--merged " + merged + " is the adapter's own folder; write into another");
    }
    PeftImport adapter = PeftImport.read(peft);
    BaseModel chosen = base.base != null ? base.forTraining() : new BaseModel(adapter.peftConfig().baseModel()
        .orElseThrow(() -> new IllegalArgumentException(adapter.configFile() + " names no base_model_name_or_path:"
            + " give the base with --base NAME|FOLDER")), null);
    int modules;
    try (BertEncoder encoder = chosen.open(BertEncoder.DEFAULT_MAX_LENGTH);
        NDManager manager = NDManager.newBaseManager()) {
      AdaptedModel adapted = PeftAdapters.load(encoder.newBlock(manager), adapter);
      modules = adapted.layers().size();
      MergedExport.write(encoder, adapted, null, merged);
    }
    System.out.printf("%s: %d LoRA module(s) merged into %s, written to %s%n", peft, modules, chosen.name(), merged);
    System.out.println("Train on it with --base " + merged + ", or load it with AutoModel.from_pretrained"
        + " (docs/CLI.md, Hugging Face interop)");
    return 0;
  }
}
