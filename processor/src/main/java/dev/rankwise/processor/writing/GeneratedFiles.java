package dev.rankwise.processor.writing;

import com.google.auto.common.GeneratedAnnotations;
import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.TypeSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import javax.annotation.processing.Filer;
import javax.lang.model.SourceVersion;
import javax.lang.model.util.Elements;

/** Emits generated types through the {@link Filer}, each with {@code @Generated} (no date). */
public final class GeneratedFiles {

  private final Filer filer;
  private final Optional<AnnotationSpec> generated;

  /**
   * Creates the emitter.
   *
   * @param processor the processor's class name, recorded in {@code @Generated}
   */
  public GeneratedFiles(Filer filer, Elements elements, SourceVersion version, String processor) {
    this.filer = filer;
    this.generated = GeneratedAnnotations.generatedAnnotation(elements, version)
        .map(type -> AnnotationSpec.builder(ClassName.get(type)).addMember("value", "$S", processor).build());
  }

  Optional<AnnotationSpec> generatedAnnotation() {
    return generated;
  }

  void write(String packageName, TypeSpec type) {
    try {
      JavaFile.builder(packageName, type).skipJavaLangImports(true).build().writeTo(filer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
