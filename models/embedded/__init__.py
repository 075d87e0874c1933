"""The embedded default model: MiniLM on onnxruntime plus a TF-IDF model (classifier.py), its torch
reference and the ONNX export. Its files ship in models/weights/."""
