// MathJax settings for the site: the notebooks' Markdown cells write math as $...$ and
// $$...$$, pymdownx.arithmatex wraps the pages' math in \(...\). MathJax leaves code, pre
// and script elements alone, so a dollar sign in code is never read as math (and the pages'
// prose has none). Loaded before MathJax itself (mkdocs.yml, extra_javascript).
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
  },
};

if (typeof document$ !== "undefined") {
  document$.subscribe(() => {
    if (window.MathJax && MathJax.typesetPromise) {
      MathJax.typesetPromise();
    }
  });
}
