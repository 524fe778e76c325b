package dev.rankwise.processor;

import com.google.auto.common.BasicAnnotationProcessor;
import com.google.auto.service.AutoService;
import dev.rankwise.processor.model.DeclarationFactory;
import dev.rankwise.processor.validation.DeclarationValidator;
import dev.rankwise.processor.writing.AdapterWriter;
import dev.rankwise.processor.writing.GeneratedFiles;
import java.util.List;
import javax.annotation.processing.Processor;
import javax.lang.model.SourceVersion;

/**
 * Validates {@code @Lora}, {@code @RankExperts} and {@code @TaskRouter} declarations and generates
 * one adapter class for each. Isolating: each generated file comes from one annotated type.
 */
@AutoService(Processor.class)
public final class RankwiseProcessor extends BasicAnnotationProcessor {

  @Override
  protected Iterable<? extends Step> steps() {
    GeneratedFiles files = new GeneratedFiles(
        processingEnv.getFiler(), processingEnv.getElementUtils(), processingEnv.getSourceVersion(),
        RankwiseProcessor.class.getName());
    return List.of(new DeclarationStep(
        processingEnv.getMessager(),
        new DeclarationValidator(processingEnv.getElementUtils(), processingEnv.getTypeUtils()),
        new DeclarationFactory(),
        new AdapterWriter(files)));
  }

  @Override
  public SourceVersion getSupportedSourceVersion() {
    return SourceVersion.latestSupported();
  }
}
