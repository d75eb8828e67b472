#!/usr/bin/env bash
# A virtualenv for benchmarks/realworld.py: torch 2.13 (CPU) alone first, then mindspore, then the
# projects of the manifest pinned and with --no-deps (their own dependency lists would pull another
# torch), then their pure-Python dependencies. Usage: bash setup_env.sh [/work/venv-libs]
set -euo pipefail
venv=${1:-/work/venv-libs}
python3.11 -m venv "$venv"
pip="$venv/bin/pip"
"$pip" install -q "torch==2.13.0"
"$pip" install -q "mindspore==2.10.0" "numpy<2"
"$pip" install -q --no-deps torchvision==0.29.1 timm==1.0.31 open-clip-torch==3.3.0 \
    segmentation-models-pytorch==0.6.0 x-transformers==2.31.10 denoising-diffusion-pytorch==2.3.4 \
    efficientnet-pytorch==0.7.1 encodec==0.1.1 vit-pytorch==1.26.11 torch-einops-utils pytorch-fid ema-pytorch accelerate torchaudio
"$pip" install -q pyyaml huggingface_hub safetensors einops einx loguru regex ftfy tqdm pillow scipy packaging
site=$("$venv/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
# torchvision 0.29.1 has no source distribution and its wheel's C ops are built for CUDA torch: on
# CPU torch they do not load, and two of its meta registrations (nms, qnms) are not guarded by
# `_has_ops()` as the others are. Guard them the same way, so the pure-Python models import.
sed -i 's|^@torch.library.register_fake("torchvision::nms")|@register_meta("nms")|; s|^@torch.library.register_fake("torchvision::qnms")|@register_meta("qnms")|' \
    "$site/torchvision/_meta_registrations.py"
# torchaudio's extension is built for another torch: without the .so files it runs as pure Python
# (its loader checks that they exist), which is all encodec's models need.
mkdir -p "$venv/disabled-so"
mv "$site"/torchaudio/lib/*.so "$venv/disabled-so/" 2>/dev/null || true
"$venv/bin/python" -c "import torchvision, timm, open_clip, segmentation_models_pytorch, x_transformers, denoising_diffusion_pytorch, efficientnet_pytorch, encodec, vit_pytorch; print('ok')"
