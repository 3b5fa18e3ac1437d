"""Runtime hook of the Linux cpu bundle: hide CUDA devices from torch.

The cpu variant keeps only the CUDA libraries torch links at load time and leaves out the ones it
loads when a GPU kernel runs (cuDNN's engines, cuSOLVER, ...). On a machine with an NVIDIA driver,
device "auto" would otherwise pick CUDA and fail on the first convolution."""

import os

os.environ["CUDA_VISIBLE_DEVICES"] = ""
