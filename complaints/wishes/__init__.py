"""Client wishes: counted per distinct client, reviewed weekly, every asking client called back."""
