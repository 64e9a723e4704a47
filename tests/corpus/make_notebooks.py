"""Write the corpus notebooks (tests/corpus/notebooks/*.ipynb) from the corpus scripts.

    python tests/corpus/make_notebooks.py          # needs nbformat (any test environment has it)

Each notebook is one corpus script split into cells where published notebooks split them
(imports / data / model / train / evaluate; for a script rebuilt from a notebook, where its author
did). The script's header (``# source:``, ``# license:``) stays at the top of the first cell. No
outputs are stored. The cell boundaries below are the only hand-written part: a boundary is the
first line that starts with the given text.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE / "scripts"
NOTEBOOKS = HERE / "notebooks"

SPLITS: dict[str, list[str]] = {
    # the source is a notebook: its author's cells (model, triplet loss layer, training, embeddings)
    "face_triplet": [
        "nn4_small2 = create_model()",
        "in_a = Input",
        "def triplet_generator",
        "# kerasmagic-corpus: the pretrained",
    ],
    "adlwk_vae_mlp": [
        "def sampling",
        "# kerasmagic-corpus: synthetic data",
        "input_shape = ",
        "reconstruction_loss = ",
        "z_mean_test, _, _",
    ],
    "adlwk_autoencoder_mnist": [
        "# kerasmagic-corpus: synthetic data",
        "input_shape = ",
        "autoencoder = Model",
        "x_decoded = ",
    ],
    "adlwk_resnet_cifar10": [
        "batch_size = 32",
        "def lr_schedule",
        "model = resnet_v1",
        "save_dir = ",
        "datagen = ",
        "scores = ",
    ],
    "adlwk_rnn_mnist": [
        "# kerasmagic-corpus: synthetic data",
        "input_shape = ",
        "model.compile(",
        "_, acc = ",
    ],
    "kgan_wgan": ["class WGAN", "if __name__"],
    "clr_cyclic_lr": ["class CyclicLR", "from keras.models import Sequential", "clr = CyclicLR"],
    "nerve_unet": ["img_rows = ", "def get_unet", "def train_and_predict", "if __name__"],
    "stateful_lstm": [
        "length = 10",
        "n_batch = 1",
        "for i in range(n_epoch)",
        "print('prediction'",
    ],
    "tokenizer_sentiment": [
        "# kerasmagic-corpus: synthetic data",
        "tokenizer = Tokenizer",
        "model = Sequential",
        "model.fit(",
    ],
    "timeseries_stacked_lstm": [
        "# kerasmagic-corpus: synthetic data",
        "model = Sequential()",
        "model.compile(",
    ],
}


def split(source: str, starts: list[str]) -> list[str]:
    lines = source.splitlines()
    cuts = [0]
    for start in starts:
        idx = next(i for i, ln in enumerate(lines) if ln.startswith(start) and i > cuts[-1])
        # a comment block right above the boundary belongs to the new cell
        while (
            idx - 1 > cuts[-1]
            and lines[idx - 1].startswith("# ")
            and not lines[idx - 1].startswith("# source")
        ):
            idx -= 1
        cuts.append(idx)
    cuts.append(len(lines))
    cells = ["\n".join(lines[a:b]).strip("\n") for a, b in zip(cuts, cuts[1:])]
    return [c for c in cells if c.strip()]


def build(name: str) -> nbformat.NotebookNode:
    source = (SCRIPTS / f"{name}.py").read_text(encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(cell) for cell in split(source, SPLITS[name])]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name.replace('_', '-')}-{i}"  # stable ids: regenerating changes nothing
    return nb


def main() -> None:
    NOTEBOOKS.mkdir(exist_ok=True)
    for name in SPLITS:
        nb = build(name)
        nbformat.validate(nb)
        nbformat.write(nb, NOTEBOOKS / f"{name}.ipynb")
        print(f"{name}.ipynb: {len(nb.cells)} cells")


if __name__ == "__main__":
    main()
